import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentActivations } from '../../../src/api/recent-activations.js';

/** A book on a manual clock whose sleep moves the clock (no real waiting). */
function book(options: { windowMs?: number; maxEntries?: number; maxPerList?: number } = {}) {
  let now = 1_000_000;
  const slept: number[] = [];
  const recent = new RecentActivations({
    ...options,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  return { recent, slept, advance: (ms: number) => (now += ms), now: () => now };
}

const id = (n: number) => n.toString(16).padStart(32, '0');

describe('RecentActivations (R6)', () => {
  it('an id not waited for is read once', async () => {
    const { recent, slept } = book();
    let reads = 0;
    expect(await recent.read('guest', id(1), async () => (reads++, undefined))).toBeUndefined();
    expect(reads).toBe(1);
    expect(slept).toEqual([]);
  });

  it('a delivered id is read until its record is there, then no longer waited for', async () => {
    const { recent } = book();
    recent.noteDone('guest', id(1));
    let reads = 0;
    const doc = await recent.read('guest', id(1), async () => (++reads >= 4 ? { id: 1 } : undefined));
    expect(doc).toEqual({ id: 1 });
    expect(reads).toBe(4);
    expect(recent.isPending('guest', id(1))).toBe(false);
  });

  it('waits at most 3 s, then gives the id up: nothing is made up and the next read is immediate', async () => {
    const { recent, slept } = book();
    recent.noteDone('guest', id(1));
    expect(await recent.read('guest', id(1), async () => undefined)).toBeUndefined();
    const waited = slept.reduce((a, b) => a + b, 0);
    expect(waited).toBeLessThanOrEqual(3_000);
    expect(waited).toBeGreaterThan(2_800);
    slept.length = 0;
    expect(await recent.read('guest', id(1), async () => undefined)).toBeUndefined();
    expect(slept).toEqual([]);
  });

  it('another namespace never waits for (or sees) the id', async () => {
    const { recent, slept } = book();
    recent.noteDone('guest', id(1));
    expect(await recent.read('other', id(1), async () => undefined)).toBeUndefined();
    expect(slept).toEqual([]);
    expect(recent.pending('other')).toEqual([]);
    expect(await recent.settle('other', async () => [{ id: id(1), doc: 'x' }])).toEqual([]);
  });

  it('settle reads the pending ids together until all are there', async () => {
    const { recent } = book();
    for (let n = 1; n <= 3; n++) recent.noteDone('guest', id(n));
    const asked: string[][] = [];
    let round = 0;
    const docs = await recent.settle('guest', async (ids) => {
      asked.push(ids);
      round++;
      return ids.filter((i) => round >= 2 || i === id(3)).map((i) => ({ id: i, doc: i }));
    });
    expect(docs.sort()).toEqual([id(1), id(2), id(3)]);
    expect(asked).toEqual([
      [id(3), id(2), id(1)],
      [id(2), id(1)],
    ]);
    expect(recent.pending('guest')).toEqual([]);
  });

  it('remembers its own placement decisions within the same bounds', () => {
    const { recent, advance } = book({ maxEntries: 2 });
    recent.notePlacement(id(1), { policy: 'consistent-hash', reason: 'home', hops: 0 });
    expect(recent.placementOf(id(1))).toEqual({ policy: 'consistent-hash', reason: 'home', hops: 0 });
    recent.notePlacement(id(2), { policy: 'p' });
    recent.notePlacement(id(3), { policy: 'p' });
    expect(recent.placementOf(id(1))).toBeUndefined();
    advance(5 * 60_000 + 1);
    recent.notePlacement(id(4), { policy: 'p' });
    expect([id(2), id(3), id(4)].map((i) => recent.placementOf(i) !== undefined)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('forgets ids after 5 minutes', () => {
    const { recent, advance } = book();
    recent.noteDone('guest', id(1));
    advance(4 * 60_000);
    recent.noteDone('guest', id(2));
    advance(60_000 + 1);
    expect(recent.pending('guest')).toEqual([id(2)]);
  });

  it('property: pending is the namespace’s newest ids within the window and the bounds, newest first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 120_000 })), {
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 10 }),
        (events, maxEntries, maxPerList) => {
          const { recent, advance, now } = book({ windowMs: 300_000, maxEntries, maxPerList });
          const log: { ns: string; id: string; at: number }[] = [];
          events.forEach(([ns, gap], n) => {
            advance(gap);
            recent.noteDone(ns, id(n));
            log.push({ ns, id: id(n), at: now() });
          });
          expect(recent.size).toBeLessThanOrEqual(maxEntries);
          const kept = log.slice(-maxEntries).filter((e) => e.at >= now() - 300_000);
          for (const ns of ['a', 'b']) {
            const expected = kept
              .filter((e) => e.ns === ns)
              .map((e) => e.id)
              .reverse()
              .slice(0, maxPerList);
            expect(recent.pending(ns)).toEqual(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
