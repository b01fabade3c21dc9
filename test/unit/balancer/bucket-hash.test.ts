import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BUCKETS, BucketHashPolicy } from '../../../src/balancer/policies/bucket-hash.js';
import { colored, colorNames, healthyView, invokerIds, MOVEMENT_SEED, range } from './helpers.js';

const COLORS = colorNames(50_000);

/** The bucket table once `policy` has the members `ids`. */
const tableFor = (policy: BucketHashPolicy, ids: readonly number[]) => {
  policy.setMembers(ids);
  return policy.bucketTable();
};

/** Every color's home once `policy` has the members `ids`. */
const homes = (policy: BucketHashPolicy, ids: readonly number[]) => {
  const table = tableFor(policy, ids);
  return COLORS.map((c) => table[BucketHashPolicy.bucketOf(c)]!);
};

function expectBalanced(policy: BucketHashPolicy): void {
  const counts = [...policy.bucketCounts().values()];
  expect(counts.reduce((a, b) => a + b, 0)).toBe(BUCKETS);
  expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
}

const worst = { removal: -Infinity, addition: -Infinity };
afterAll(() => {
  console.log(
    `[bucket-hash] worst excess over 1/N of colors moved (N in 4..64, 50,000 colors): ` +
      `removal ${(worst.removal * 100).toFixed(2)} pp, addition ${(worst.addition * 100).toFixed(2)} pp`,
  );
});

describe('bucket-hash', () => {
  it('builds a table balanced to within one bucket', () => {
    for (const n of [1, 3, 4, 7, 24, 64, 100]) {
      const policy = new BucketHashPolicy();
      policy.setMembers(range(n));
      expectBalanced(policy);
    }
  });

  it('agrees between instances with the same membership history, and a fresh one agrees with ascending joins', () => {
    fc.assert(
      fc.property(invokerIds(), (ids) => {
        const fresh = new BucketHashPolicy();
        const grown = new BucketHashPolicy();
        // Invokers joining one at a time in id order, as a cluster grows.
        for (let k = 1; k <= ids.length; k++) grown.setMembers(ids.slice(0, k));
        expect(tableFor(grown, [...ids].reverse())).toEqual(tableFor(fresh, ids));
        const twin = new BucketHashPolicy();
        for (let k = 1; k <= ids.length; k++) twin.setMembers(ids.slice(0, k));
        const removed = ids[ids.length >> 1]!;
        const afterIds = ids.filter((id) => id !== removed);
        const after = healthyView(afterIds);
        expect(tableFor(twin, afterIds)).toEqual(tableFor(grown, afterIds));
        let differ = 0;
        for (const color of COLORS.slice(0, 3000)) {
          const x = twin.choose(colored(color), after)!;
          const y = grown.choose(colored(color), after)!;
          if (x.invoker !== y.invoker || x.home !== y.home) differ++;
        }
        expect(differ).toBe(0);
      }),
      { numRuns: 12 },
    );
  });

  it('on removal moves only the removed invoker buckets, to the emptiest, at most 1/N + 1% of colors', () => {
    fc.assert(
      fc.property(invokerIds(), fc.nat(), (ids, pick) => {
        const removed = ids[pick % ids.length]!;
        const policy = new BucketHashPolicy();
        const beforeTable = tableFor(policy, ids);
        const owned = beforeTable.filter((id) => id === removed).length;
        const before = homes(policy, ids);
        const afterIds = ids.filter((id) => id !== removed);
        const afterTable = tableFor(policy, afterIds);
        let changedBuckets = 0;
        for (let b = 0; b < BUCKETS; b++) {
          if (afterTable[b] === beforeTable[b]) continue;
          expect(beforeTable[b]).toBe(removed);
          changedBuckets++;
        }
        expect(changedBuckets).toBe(owned);
        expectBalanced(policy);
        const after = homes(policy, afterIds);
        let moved = 0;
        before.forEach((home, i) => {
          if (home !== after[i]) moved++;
        });
        const excess = moved / COLORS.length - 1 / ids.length;
        worst.removal = Math.max(worst.removal, excess);
        expect(excess).toBeLessThanOrEqual(0.01);
      }),
      { numRuns: 30, seed: MOVEMENT_SEED },
    );
  });

  it('on addition moves only buckets to the new invoker, at most 1/N + 1% of colors', () => {
    fc.assert(
      fc.property(invokerIds(4, 63), fc.integer({ min: 0, max: 250 }), (ids, candidate) => {
        const added = ids.includes(candidate) ? 251 + candidate : candidate;
        const policy = new BucketHashPolicy();
        const beforeTable = tableFor(policy, ids);
        const before = homes(policy, ids);
        const afterIds = [...ids, added];
        const afterTable = tableFor(policy, afterIds);
        for (let b = 0; b < BUCKETS; b++)
          if (afterTable[b] !== beforeTable[b]) expect(afterTable[b]).toBe(added);
        expect(policy.bucketMoves).toBe(afterTable.filter((id) => id === added).length);
        expectBalanced(policy);
        const after = homes(policy, afterIds);
        let moved = 0;
        let wrong = 0;
        after.forEach((home, i) => {
          if (home === before[i]) return;
          moved++;
          if (home !== added) wrong++;
        });
        expect(wrong).toBe(0);
        const excess = moved / COLORS.length - 1 / (ids.length + 1);
        worst.addition = Math.max(worst.addition, excess);
        expect(excess).toBeLessThanOrEqual(0.01);
      }),
      { numRuns: 30, seed: MOVEMENT_SEED },
    );
  });

  it('spreads a blocked home over different next invokers depending on the color', () => {
    const policy = new BucketHashPolicy();
    policy.setMembers(range(8));
    const firstHome = new Map<number, Set<number>>();
    for (const color of COLORS.slice(0, 4000)) {
      const [home, next] = policy.order(colored(color));
      if (!firstHome.has(home!)) firstHome.set(home!, new Set());
      firstHome.get(home!)!.add(next!);
      expect(new Set(policy.order(colored(color))).size).toBe(8);
    }
    for (const nexts of firstHome.values()) expect(nexts.size).toBe(7);
  });

  it('adopts a shared table', () => {
    const a = new BucketHashPolicy();
    const b = new BucketHashPolicy();
    a.setMembers([1, 2, 3, 4]);
    const table = tableFor(a, [1, 2, 3]);
    b.setMembers([1, 2, 3]);
    b.adoptTable(table);
    expect(b.bucketTable()).toEqual(table);
    expect(() => b.adoptTable(new Uint16Array(BUCKETS).fill(9))).toThrow(/not a member/);
  });
});
