import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canTakeRequest, type OrderedPolicy } from '../../../src/balancer/common.js';
import { BoundedLoadsPolicy, loadBound } from '../../../src/balancer/policies/bounded-loads.js';
import { BucketHashPolicy } from '../../../src/balancer/policies/bucket-hash.js';
import { ConsistentHashPolicy } from '../../../src/balancer/policies/consistent-hash.js';
import { LeastAssignedPolicy } from '../../../src/balancer/policies/least-assigned.js';
import type { InvokerView } from '../../../src/balancer/types.js';
import {
  arbitraryRequest,
  arbitraryView,
  colored,
  healthyView,
  idsOf,
  range,
  seeded,
  withMembers,
} from './helpers.js';

const inners: [string, () => OrderedPolicy][] = [
  ['consistent-hash', () => new ConsistentHashPolicy({ random: seeded(1) })],
  ['bucket-hash', () => new BucketHashPolicy({ random: seeded(1) })],
  ['least-assigned', () => new LeastAssignedPolicy({ random: seeded(1) })],
];

function boundOf(factor: number, view: readonly InvokerView[]): number {
  const healthy = view.filter((v) => v.status === 'healthy');
  return loadBound(
    factor,
    healthy.reduce((s, v) => s + v.inFlight, 0),
    healthy.length,
  );
}

describe.each(inners)('bounded loads over %s', (_name, make) => {
  it('never exceeds the bound while another invoker has room under it', () => {
    const inner = make();
    const policy = new BoundedLoadsPolicy(inner, 1.25, seeded(2));
    fc.assert(
      fc.property(
        arbitraryView(),
        arbitraryRequest,
        fc.double({ min: 1, max: 3, noNaN: true }),
        (view, request, c) => {
          const bounded = new BoundedLoadsPolicy(inner, c, seeded(2));
          // Both wrap the same inner policy: telling one tells the other.
          bounded.setMembers(idsOf(view));
          for (const p of [policy, bounded]) {
            const decision = p.choose(request, view);
            if (!view.some((v) => v.status === 'healthy')) {
              expect(decision).toBeUndefined();
              continue;
            }
            const bound = boundOf(p.factor, view);
            const chosen = view.find((v) => v.id === decision!.invoker)!;
            expect(chosen.status).toBe('healthy');
            if (chosen.inFlight + 1 > bound || !canTakeRequest(chosen, request)) {
              const other = view.filter((v) => canTakeRequest(v, request) && v.inFlight + 1 <= bound);
              expect(other).toEqual([]);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('overflows to the next candidate in the wrapped policy order', () => {
    const inner = make();
    const policy = new BoundedLoadsPolicy(inner, 1.5);
    const base = healthyView(range(8));
    policy.setMembers(idsOf(base));
    for (let i = 0; i < 100; i++) {
      const request = colored(`color${i}`);
      const order = [...policy.order(request)];
      // mean (7 + 1) / 8 = 1, bound ceil(1.5) = 2: the home (3 in flight) and the next (2) are over.
      const view = base.map((v) =>
        v.id === order[0]
          ? { ...v, inFlight: 3 }
          : v.id === order[1]
            ? { ...v, inFlight: 2 }
            : { ...v, inFlight: i % 2 },
      );
      const total = view.reduce((s, v) => s + v.inFlight, 0);
      const bound = loadBound(1.5, total, 8);
      const expected = order.find((id) => view.find((v) => v.id === id)!.inFlight + 1 <= bound);
      expect(policy.choose(request, view)).toEqual({
        invoker: expected,
        home: order[0],
        forced: false,
        spilled: true,
      });
    }
  });

  it('keeps every invoker within ceil(c x mean) under a skewed stream, and c = 0 is the plain policy', () => {
    const random = seeded(3);
    const members = healthyView(range(24));
    const policy = withMembers(new BoundedLoadsPolicy(make(), 1.25), members);
    const plain = withMembers(make(), members);
    const off = withMembers(new BoundedLoadsPolicy(make(), 0), members);
    const loads = new Map(range(24).map((id) => [id, 0]));
    const view = () => healthyView(range(24)).map((v) => ({ ...v, inFlight: loads.get(v.id)! }));
    for (let i = 0; i < 3000; i++) {
      // A few hot colors: unbounded pinning would pile them onto a few invokers.
      const color = `hot${Math.floor(random() ** 3 * 20)}`;
      const current = view();
      const bound = boundOf(1.25, current);
      const decision = policy.choose(colored(color), current)!;
      expect(loads.get(decision.invoker)! + 1).toBeLessThanOrEqual(bound);
      loads.set(decision.invoker, loads.get(decision.invoker)! + 1);
      expect(off.choose(colored(color), current)).toEqual(plain.choose(colored(color), current));
    }
  });
});

describe('bounded loads factor', () => {
  it('must be 0 or at least 1', () => {
    expect(() => new BoundedLoadsPolicy(new ConsistentHashPolicy(), 0.5)).toThrow(/at least 1/);
    expect(() => new BoundedLoadsPolicy(new ConsistentHashPolicy(), Number.NaN)).toThrow();
    expect(new BoundedLoadsPolicy(new ConsistentHashPolicy(), 0).factor).toBe(0);
  });

  it('counts the new request in the mean', () => {
    expect(loadBound(1.25, 0, 24)).toBe(1);
    expect(loadBound(1.25, 95, 24)).toBe(5);
    expect(loadBound(1, 23, 24)).toBe(1);
  });
});
