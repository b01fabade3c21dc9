import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker, OffsetWindow } from '../../../src/messaging/offset-tracker.js';

describe('OffsetTracker', () => {
  it('moves only past a contiguous run of finished offsets', () => {
    const t = new OffsetTracker(10);
    expect(t.finish(12)).toBe(false);
    expect(t.next).toBe(10);
    expect(t.finish(10)).toBe(true);
    expect(t.next).toBe(11);
    expect(t.finish(11)).toBe(true);
    expect(t.next).toBe(13);
    expect(t.finish(5)).toBe(false);
  });

  it('ends at start + n for any completion order, and never passes an unfinished offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer(), { minLength: 1, maxLength: 60 }).map((keys) =>
          keys
            .map((k, i) => ({ k, i }))
            .sort((a, b) => a.k - b.k || a.i - b.i)
            .map((x) => x.i),
        ),
        (start, order) => {
          const t = new OffsetTracker(start);
          const done = new Set<number>();
          for (const i of order) {
            t.finish(start + i);
            done.add(i);
            for (let j = 0; j < t.next - start; j++) expect(done.has(j)).toBe(true);
          }
          expect(t.next).toBe(start + order.length);
        },
      ),
    );
  });
});

describe('OffsetWindow', () => {
  it('commits up to the first unfinished started offset, across gaps in the offsets', () => {
    const w = new OffsetWindow();
    expect(w.next).toBeUndefined();
    expect(w.has(0)).toBe(false);
    w.start(10);
    w.start(11);
    w.start(14); // 12 and 13 are not messages (control records, compaction)
    expect(w.next).toBe(10);
    expect(w.finish(14)).toBe(false);
    expect(w.finish(11)).toBe(false);
    expect(w.next).toBe(10);
    expect(w.finish(10)).toBe(true);
    expect(w.next).toBe(15);
    expect([9, 10, 12, 14, 15].map((o) => w.has(o))).toEqual([false, true, true, true, false]);
    expect(w.canStart(14)).toBe(false);
    expect(w.canStart(15)).toBe(true);
    expect(() => w.start(14)).toThrow(/out of order/);
    w.start(20);
    expect(w.next).toBe(20);
  });

  it('never passes an unfinished offset and ends one past the last, for any gaps and completion order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.integer(), { maxLength: 80 }),
        (first, steps, keys) => {
          const offsets: number[] = [];
          let offset = first;
          for (const step of steps) offsets.push((offset += step));
          const order = offsets
            .map((o, i) => ({ o, k: keys[i] ?? 0, i }))
            .sort((a, b) => a.k - b.k || a.i - b.i)
            .map((x) => x.o);
          const w = new OffsetWindow();
          const done = new Set<number>();
          // Starts interleave with finishes, as in a consumer: start the next before each finish.
          let started = 0;
          for (const o of order) {
            while (started < offsets.length && offsets[started]! <= o) w.start(offsets[started++]!);
            w.finish(o);
            done.add(o);
            const next = w.next!;
            for (const s of offsets.slice(0, started)) if (s < next) expect(done.has(s)).toBe(true);
          }
          expect(w.next).toBe(offsets[offsets.length - 1]! + 1);
        },
      ),
    );
  });

  it('keeps its place when the finished prefix is dropped from memory', () => {
    const w = new OffsetWindow();
    for (let o = 0; o < 5000; o++) {
      w.start(o * 2);
      if (o >= 1) w.finish((o - 1) * 2); // one running at a time, finished in order
    }
    expect(w.next).toBe(9998);
    expect(w.has(0)).toBe(true);
    for (let o = 5000; o < 5010; o++) w.start(o * 2);
    for (let o = 5009; o >= 5000; o--) w.finish(o * 2);
    expect(w.next).toBe(9998);
    expect(w.finish(9998)).toBe(true);
    expect(w.next).toBe(10019);
  });
});
