import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../../src/balancer/index.js';
import { policyNames, type InvokerView } from '../../../src/balancer/types.js';
import { placementPath } from '../../../src/controller/placement-reason.js';

const view = (id: number, free: boolean, healthy = true): InvokerView => ({
  id,
  status: healthy ? 'healthy' : 'unhealthy',
  capacityMB: 1024,
  inFlightMB: free ? 0 : 1024,
  inFlight: free ? 0 : 4,
});

describe('placementPath (R7 palette.reason / palette.hops)', () => {
  it('home: no order is asked for', () => {
    const policy = createPolicy('consistent-hash');
    policy.setMembers([0, 1, 2]);
    let asked = false;
    const spy = {
      ...policy,
      order: (r: Parameters<typeof policy.order>[0]) => ((asked = true), policy.order(r)),
    };
    const path = placementPath(
      spy,
      { color: 'x', namespace: 'n', action: 'n/a', memoryMB: 256 },
      {
        invoker: 1,
        home: 1,
        forced: false,
        spilled: false,
      },
    );
    expect(path).toEqual({ reason: 'home', hops: 0 });
    expect(asked).toBe(false);
  });

  it('property: for every policy and load, hops is the distance from home in the order; forced passes all', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...policyNames),
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.string({ minLength: 1, maxLength: 6 }),
        (name, states, color) => {
          const policy = createPolicy(name, { random: () => 0.5 });
          policy.setMembers(states.map((_, i) => i));
          const request = { color, namespace: 'n', action: 'n/a', memoryMB: 256 };
          const invokers = states.map(([free, healthy], i) => view(i, free, healthy));
          const decision = policy.choose(request, invokers);
          if (!decision) return;
          const path = placementPath(policy, request, decision);
          if (decision.forced) {
            expect(path).toEqual({ reason: 'forced', hops: states.length });
          } else if (!decision.spilled) {
            expect(path).toEqual({ reason: 'home', hops: 0 });
          } else {
            expect(path.reason).toBe('spilled');
            expect(path.hops).toBeGreaterThan(0);
            expect(path.hops).toBeLessThan(states.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('consistent hashing: the hop count is the chosen invoker’s place after home in the ring order', () => {
    const policy = createPolicy('consistent-hash');
    policy.setMembers([0, 1, 2, 3]);
    const request = { color: 'c', namespace: 'n', action: 'n/a', memoryMB: 256 };
    const order = [...policy.order(request)];
    const invokers = [0, 1, 2, 3].map((id) => view(id, id === order[2]));
    const decision = policy.choose(request, invokers)!;
    expect(decision.invoker).toBe(order[2]);
    expect(placementPath(policy, request, decision)).toEqual({ reason: 'spilled', hops: 2 });
  });
});
