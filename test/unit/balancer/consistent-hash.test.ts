import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildTable,
  ConsistentHashPolicy,
  controlPoints,
  POINTS_PER_INVOKER,
  RING_RANGE,
  ringPosition,
} from '../../../src/balancer/policies/consistent-hash.js';
import {
  chooseIn,
  colored,
  colorNames,
  healthyView,
  invokerIds,
  MOVEMENT_SEED,
  range,
  withMembers,
} from './helpers.js';

const COLORS = colorNames(50_000);
/** Every color's home once `policy` has the members `ids`. */
const homes = (policy: ConsistentHashPolicy, ids: readonly number[]) => {
  policy.setMembers(ids);
  return COLORS.map((c) => policy.home(c)!);
};

const worst = { removal: -Infinity, addition: -Infinity, arcShare: -Infinity, arcN: 0 };

afterAll(() => {
  console.log(
    `[consistent-hash] worst excess over 1/N of colors moved (property runs, N in 4..64, 50,000 colors): ` +
      `removal ${(worst.removal * 100).toFixed(2)} pp, addition ${(worst.addition * 100).toFixed(2)} pp; ` +
      `exhaustive ring share, ids 0..N-1 for N = 4..64: max share - 1/N = ${(worst.arcShare * 100).toFixed(2)} pp (N = ${worst.arcN})`,
  );
});

describe('consistent-hash ring', () => {
  it('derives control points from the invoker name only', () => {
    expect(controlPoints(3)).toEqual(controlPoints(3));
    expect(controlPoints(3)).not.toEqual(controlPoints(4));
    expect(controlPoints(7)).toHaveLength(POINTS_PER_INVOKER);
    for (const p of controlPoints(7)) expect(p >= 0 && p < RING_RANGE && Number.isInteger(p)).toBe(true);
  });

  it('keeps the ring in the consistent-hash package, with our points, and matches its lookup table', () => {
    const policy = new ConsistentHashPolicy();
    policy.setMembers([5, 2, 1, 0]);
    const ring = policy.packageRing();
    expect([...ring.getNodes()].sort()).toEqual([0, 1, 2, 5]);
    for (const id of [0, 1, 2, 5]) expect(ring.getPoints(id)).toEqual(controlPoints(id));
    const table = policy.ringTable();
    // Brute force: the owner of the first point at or after a position, lowest id on ties.
    const all = [0, 1, 2, 5].flatMap((id) => controlPoints(id).map((p) => [p, id] as const));
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const color of COLORS.slice(0, 2000)) {
      const pos = ringPosition(color);
      const expected = (all.find(([p]) => p >= pos) ?? all[0]!)[1];
      expect(policy.home(color)).toBe(expected);
    }
    expect(table.positions.length).toBeLessThanOrEqual(4 * POINTS_PER_INVOKER);
    expect(buildTable(ring).owners).toEqual(table.owners);
  });

  it('survives the invoker set emptying and refilling (the package drops its map on remove)', () => {
    const policy = new ConsistentHashPolicy();
    expect(chooseIn(policy, colored('a'), healthyView([3]))!.invoker).toBe(3);
    expect(chooseIn(policy, colored('a'), [])).toBeUndefined();
    expect([1, 2]).toContain(chooseIn(policy, colored('a'), healthyView([1, 2]))!.invoker);
    expect([...policy.packageRing().getNodes()].sort()).toEqual([1, 2]);
  });

  it('rebuilds only when setMembers changes the invoker set', () => {
    const policy = new ConsistentHashPolicy();
    const view = healthyView(range(8));
    policy.setMembers(range(8));
    policy.choose(colored('a'), view);
    policy.choose(
      colored('b'),
      view.map((v) => ({ ...v, inFlight: 3 })),
    );
    policy.setMembers(range(8).reverse());
    policy.choose(colored('c'), view);
    expect(policy.rebuilds).toBe(1);
    policy.setMembers(range(9));
    policy.choose(colored('d'), healthyView(range(9)));
    expect(policy.rebuilds).toBe(2);
  });

  it('two instances built from the same invoker set decide identically, whatever their history', () => {
    fc.assert(
      fc.property(invokerIds(), invokerIds(1, 8), (ids, detour) => {
        const a = new ConsistentHashPolicy();
        const b = new ConsistentHashPolicy();
        homes(b, detour); // b saw another membership first
        const view = healthyView(ids);
        a.setMembers(ids);
        b.setMembers([...ids].reverse());
        let differ = 0;
        for (const color of COLORS.slice(0, 5000)) {
          const x = a.choose(colored(color), view)!;
          const y = b.choose(colored(color), view)!;
          if (x.invoker !== y.invoker || x.home !== y.home) differ++;
        }
        expect(differ).toBe(0);
      }),
      { numRuns: 20 },
    );
  });

  it('on removal only the removed invoker colors move, about 1/N of them', () => {
    fc.assert(
      fc.property(invokerIds(), fc.nat(), (ids, pick) => {
        const removed = ids[pick % ids.length]!;
        const policy = new ConsistentHashPolicy();
        const before = homes(policy, ids);
        const after = homes(
          policy,
          ids.filter((id) => id !== removed),
        );
        let moved = 0;
        let wrong = 0;
        before.forEach((home, i) => {
          if (home === removed) moved++;
          if (home === removed ? after[i] === removed : after[i] !== home) wrong++;
        });
        expect(wrong).toBe(0);
        const excess = moved / COLORS.length - 1 / ids.length;
        worst.removal = Math.max(worst.removal, excess);
        expect(excess).toBeLessThanOrEqual(0.02);
      }),
      { numRuns: 30, seed: MOVEMENT_SEED },
    );
  });

  it('on addition only colors that now map to the new invoker move, about 1/N of them', () => {
    fc.assert(
      fc.property(invokerIds(4, 63), fc.integer({ min: 0, max: 250 }), (ids, candidate) => {
        const added = ids.includes(candidate) ? 251 + candidate : candidate;
        const policy = new ConsistentHashPolicy();
        const before = homes(policy, ids);
        const after = homes(policy, [...ids, added]);
        let moved = 0;
        let wrong = 0;
        after.forEach((home, i) => {
          if (home === before[i]) return;
          if (home !== added) wrong++;
          moved++;
        });
        expect(wrong).toBe(0);
        const excess = moved / COLORS.length - 1 / (ids.length + 1);
        worst.addition = Math.max(worst.addition, excess);
        expect(excess).toBeLessThanOrEqual(0.02);
      }),
      { numRuns: 30, seed: MOVEMENT_SEED },
    );
  });

  it('gives every invoker of 4..64 close to 1/N of the ring (exhaustive, ids 0..N-1)', () => {
    for (let n = 4; n <= 64; n++) {
      const policy = new ConsistentHashPolicy();
      policy.setMembers(range(n));
      const { positions, owners } = policy.ringTable();
      const share = new Float64Array(n);
      for (let i = 0; i < positions.length; i++) {
        // A point owns the arc from the previous point (exclusive) up to itself.
        const prev = i === 0 ? positions[positions.length - 1]! - RING_RANGE : positions[i - 1]!;
        share[owners[i]!]! += (positions[i]! - prev) / RING_RANGE;
      }
      const excess = Math.max(...share) - 1 / n;
      if (excess > worst.arcShare) {
        worst.arcShare = excess;
        worst.arcN = n;
      }
      expect(excess).toBeLessThanOrEqual(0.02);
    }
  });

  it('walks distinct invokers clockwise when the home is unhealthy or full', () => {
    const view = healthyView(range(12), 1024);
    const policy = withMembers(new ConsistentHashPolicy(), view);
    for (const color of COLORS.slice(0, 200)) {
      const order = policy.order(colored(color));
      expect([...order].sort((a, b) => a - b)).toEqual(range(12));
      const blocked = view.map((v) =>
        v.id === order[0]
          ? { ...v, status: 'offline' as const }
          : v.id === order[1]
            ? { ...v, inFlightMB: 900 }
            : v,
      );
      expect(policy.choose(colored(color), blocked)).toEqual({
        invoker: order[2],
        home: order[0],
        forced: false,
        spilled: true,
      });
    }
  });

  it('skipping an invoker sends its colors where removing it would', () => {
    const view = healthyView(range(10)).map((v) => (v.id === 4 ? { ...v, status: 'unhealthy' as const } : v));
    const without = healthyView(range(10).filter((id) => id !== 4));
    const policy = withMembers(new ConsistentHashPolicy(), view);
    const removedPolicy = withMembers(new ConsistentHashPolicy(), without);
    for (const color of COLORS.slice(0, 3000)) {
      expect(policy.choose(colored(color), view)!.invoker).toBe(
        removedPolicy.choose(colored(color), without)!.invoker,
      );
    }
  });
});
