import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntityCache, outage, StoreReachability, type StaleIfError } from '../../../src/api/cache.js';

class Unreachable extends Error {}
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

function staleOptions(now: () => number, maxAgeMs: number) {
  let served = 0;
  const reachability = new StoreReachability(500, now);
  const staleIfError: StaleIfError = {
    maxAgeMs,
    isUnreachable: (err) => err instanceof Unreachable,
    reachability,
    onStaleServed: () => served++,
  };
  return { staleIfError, reachability, served: () => served };
}

describe('EntityCache', () => {
  it('expires entries after the ttl', () => {
    let now = 0;
    const cache = new EntityCache<string>(100, { maxEntries: 10, now: () => now });
    cache.set('a', 'x');
    now = 99;
    expect(cache.get('a')).toBe('x');
    now = 100;
    expect(cache.get('a')).toBeUndefined();
  });

  it('shares one load between concurrent misses and keeps the result', async () => {
    const cache = new EntityCache<number>(1000);
    let loads = 0;
    const loader = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return 42;
    };
    expect(await Promise.all([cache.load('k', loader), cache.load('k', loader)])).toEqual([42, 42]);
    expect(await cache.load('k', loader)).toBe(42);
    expect(loads).toBe(1);
  });

  it('does not keep a value loaded across a delete (it may be stale)', async () => {
    const cache = new EntityCache<string>(1000);
    let release!: () => void;
    const slow = cache.load('k', () => new Promise<string>((r) => (release = () => r('old'))));
    cache.delete('k');
    release();
    expect(await slow).toBe('old');
    expect(cache.get('k')).toBeUndefined();
    expect(await cache.load('k', async () => 'new')).toBe('new');
  });

  it('drops the oldest entry at capacity, and caches nothing with ttl 0', () => {
    const cache = new EntityCache<number>(1000, { maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
    const none = new EntityCache<number>(0);
    none.set('a', 1);
    expect(none.get('a')).toBeUndefined();
    expect(none.size).toBe(0);
  });
});

describe('EntityCache stale-if-error', () => {
  it('serves the last good copy while the store is unreachable, up to the bound, then answers 503', async () => {
    let now = 0;
    const { staleIfError, reachability, served } = staleOptions(() => now, 300_000);
    const cache = new EntityCache<string>(0, { now: () => now, staleIfError });
    let down = false;
    let reads = 0;
    const loader = async () => {
      reads++;
      if (down) throw new Unreachable('refused');
      return 'doc';
    };
    expect(await cache.load('k', loader)).toBe('doc');
    down = true;
    now = 1_000;
    expect(await cache.load('k', loader)).toBe('doc'); // the read that finds the outage
    expect(reachability.isDown).toBe(true);
    const readsWhenDown = reads;
    now = 1_100;
    expect(await cache.load('k', loader)).toBe('doc'); // known outage: no read, no probe yet
    expect(reads).toBe(readsWhenDown);
    now = 1_600;
    expect(await cache.load('k', loader)).toBe('doc'); // one probe goes out
    await settle();
    expect(reads).toBe(readsWhenDown + 1);
    expect(served()).toBe(3);
    now = 300_001; // the copy is now older than the bound
    await expect(cache.load('k', loader)).rejects.toMatchObject({ name: 'ApiError', status: 503 });
  });

  it('is fresh again once a probe finds the store back', async () => {
    let now = 0;
    const { staleIfError, reachability } = staleOptions(() => now, 300_000);
    const cache = new EntityCache<string>(0, { now: () => now, staleIfError });
    let answer = 'v1';
    let down = false;
    const loader = async () => {
      if (down) throw new Unreachable('refused');
      return answer;
    };
    await cache.load('k', loader);
    down = true;
    await cache.load('k', loader);
    down = false;
    answer = 'v2';
    now = 600;
    expect(await cache.load('k', loader)).toBe('v1'); // still known down: the copy, and a probe
    await settle();
    expect(reachability.isDown).toBe(false);
    expect(await cache.load('k', loader)).toBe('v2');
  });

  it('never serves a copy for a key the store answered "not found", nor one this replica deleted', async () => {
    let now = 0;
    const { staleIfError } = staleOptions(() => now, 300_000);
    const cache = new EntityCache<string>(0, { now: () => now, staleIfError });
    let answer: string | undefined = 'doc';
    let down = false;
    const loader = async () => {
      if (down) throw new Unreachable('refused');
      return answer;
    };
    await cache.load('gone', loader);
    answer = undefined;
    expect(await cache.load('gone', loader)).toBeUndefined(); // 404 is an answer
    answer = 'doc';
    await cache.load('deleted', loader);
    cache.delete('deleted');
    down = true;
    now = 10;
    await expect(cache.load('gone', loader)).rejects.toMatchObject({ name: 'ApiError', status: 503 });
    await expect(cache.load('deleted', loader)).rejects.toMatchObject({ name: 'ApiError', status: 503 });
  });

  it('an error that is an answer (not an outage) is thrown, not covered', async () => {
    const { staleIfError } = staleOptions(Date.now, 300_000);
    const cache = new EntityCache<string>(0, { staleIfError });
    await cache.load('k', async () => 'doc');
    await expect(
      cache.load('k', async () => {
        throw new Error('type mismatch');
      }),
    ).rejects.toThrow('type mismatch');
  });

  it('with the store up it answers exactly as the cache without stale-if-error (property)', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 3_000 }) }),
      fc.record({
        kind: fc.constant('write' as const),
        key: fc.constantFrom('a', 'b', 'c'),
        value: fc.option(fc.string({ maxLength: 3 }), { nil: undefined }),
      }),
      fc.record({ kind: fc.constant('load' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c') }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 5_000 }),
        fc.array(op, { minLength: 10, maxLength: 80 }),
        async (ttl, ops) => {
          let now = 0;
          const db = new Map([
            ['a', 'a0'],
            ['b', 'b0'],
          ]);
          const { staleIfError } = staleOptions(() => now, 300_000);
          const plain = new EntityCache<string>(ttl, { now: () => now, maxEntries: 2 });
          const stale = new EntityCache<string>(ttl, { now: () => now, maxEntries: 2, staleIfError });
          const reads = { plain: 0, stale: 0 };
          for (const o of ops) {
            if (o.kind === 'advance') now += o.ms;
            else if (o.kind === 'write') {
              if (o.value === undefined) db.delete(o.key);
              else db.set(o.key, o.value);
            } else if (o.kind === 'delete') {
              plain.delete(o.key);
              stale.delete(o.key);
            } else {
              const a = await plain.load(o.key, async () => (reads.plain++, db.get(o.key)));
              const b = await stale.load(o.key, async () => (reads.stale++, db.get(o.key)));
              expect(b).toBe(a);
            }
          }
          expect(reads.stale).toBe(reads.plain);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('through outages it serves only copies read within the bound, and always one when it has one (property)', async () => {
    const op = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.nat(150_000) }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant('toggle' as const) }), weight: 1 },
      {
        arbitrary: fc.record({
          kind: fc.constant('write' as const),
          key: fc.constantFrom('a', 'b'),
          value: fc.option(fc.string({ maxLength: 3 }), { nil: undefined, freq: 4 }),
        }),
        weight: 1,
      },
      {
        arbitrary: fc.record({ kind: fc.constant('load' as const), key: fc.constantFrom('a', 'b') }),
        weight: 4,
      },
      {
        arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b') }),
        weight: 1,
      },
    );
    let staleServed = 0;
    let failures = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 400_000 }),
        fc.array(op, { minLength: 20, maxLength: 80 }),
        async (ttl, maxAge, ops) => {
          let now = 0;
          let down = false;
          const db = new Map([
            ['a', 'a0'],
            ['b', 'b0'],
          ]);
          /** What the store last answered per key, and when: the model of "last good copy". */
          const lastGood = new Map<string, { value: string; at: number }>();
          const { staleIfError, served } = staleOptions(() => now, maxAge);
          const cache = new EntityCache<string>(ttl, { now: () => now, staleIfError });
          for (const o of ops) {
            if (o.kind === 'advance') now += o.ms;
            else if (o.kind === 'toggle') down = !down;
            else if (o.kind === 'write') {
              if (o.value === undefined) db.delete(o.key);
              else db.set(o.key, o.value);
            } else if (o.kind === 'delete') {
              cache.delete(o.key);
              lastGood.delete(o.key);
            } else {
              const key = o.key;
              const before = lastGood.get(key);
              const servedBefore = served();
              const loader = async () => {
                if (down) throw new Unreachable('refused');
                const value = db.get(key);
                if (value === undefined) lastGood.delete(key);
                else lastGood.set(key, { value, at: now });
                return value;
              };
              let result: string | undefined;
              let failed = false;
              try {
                result = await cache.load(key, loader);
              } catch (err) {
                // An outage with nothing to serve answers 503 (OpenWhisk's "currently unavailable").
                expect(err).toMatchObject({ name: 'ApiError', status: 503 });
                failed = true;
              }
              await settle();
              const servable = before !== undefined && now - before.at <= maxAge;
              if (failed) {
                failures++;
                expect(down).toBe(true);
                expect(servable).toBe(false);
              } else if (served() > servedBefore) {
                staleServed++;
                expect(servable).toBe(true);
                expect(result).toBe(before!.value);
              } else {
                expect(result).toBe(lastGood.get(key)?.value);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // The generator reaches both outcomes of an outage (so the property is not vacuous).
    expect(staleServed).toBeGreaterThan(50);
    expect(failures).toBeGreaterThan(50);
  });
});

describe('StoreReachability', () => {
  it('tells its listeners of each change once, and lets one probe out per interval while down', () => {
    let now = 0;
    const reachability = new StoreReachability(500, () => now);
    const changes: boolean[] = [];
    reachability.onChange((up) => changes.push(up));
    reachability.reachable();
    reachability.unreachable();
    reachability.unreachable();
    expect(reachability.mayProbe()).toBe(false);
    now = 500;
    expect(reachability.mayProbe()).toBe(true);
    expect(reachability.mayProbe()).toBe(false);
    reachability.reachable();
    expect(changes).toEqual([false, true]);
  });

  it('untilDown answers the work, or `outage` as soon as the store is found unreachable', async () => {
    const reachability = new StoreReachability();
    expect(await reachability.untilDown(Promise.resolve(7))).toBe(7);
    const never = new Promise<number>(() => undefined);
    const waiting = reachability.untilDown(never);
    reachability.unreachable();
    expect(await waiting).toBe(outage);
    expect(await reachability.untilDown(Promise.resolve(7))).toBe(outage); // already down
  });
});
