import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canTakeRequest } from '../../../src/balancer/common.js';
import { createPolicy } from '../../../src/balancer/index.js';
import { policyNames, type Policy, type PolicyName } from '../../../src/balancer/types.js';
import {
  arbitraryRequest,
  arbitraryView,
  chooseIn,
  colored,
  healthyView,
  range,
  seeded,
  withMembers,
} from './helpers.js';

const variants: [string, (name: PolicyName) => Policy][] = [
  ['plain', (name) => createPolicy(name, { random: seeded(5) })],
  ['bounded 1.25', (name) => createPolicy(name, { random: seeded(5), boundFactor: 1.25 })],
];

describe.each(variants)('every policy (%s) never strands work', (_variant, make) => {
  it.each(policyNames.map((n) => [n]))('%s', (name) => {
    const policy = make(name);
    fc.assert(
      fc.property(arbitraryView(), arbitraryRequest, (view, request) => {
        const frozen = JSON.stringify(view);
        const decision = chooseIn(policy, request, view);
        expect(JSON.stringify(view)).toBe(frozen);
        const healthy = view.filter((v) => v.status === 'healthy');
        if (healthy.length === 0) {
          expect(decision).toBeUndefined();
          return;
        }
        expect(decision).toBeDefined();
        const chosen = view.find((v) => v.id === decision!.invoker)!;
        expect(chosen.status).toBe('healthy');
        // OpenWhisk's sharding only uses its managed slice, which is every invoker by default.
        const anyRoom = view.some((v) => canTakeRequest(v, request));
        expect(decision!.forced).toBe(!anyRoom);
        if (anyRoom) expect(canTakeRequest(chosen, request)).toBe(true);
        expect(decision!.spilled).toBe(decision!.invoker !== decision!.home);
      }),
      { numRuns: 150 },
    );
  });
});

describe('deterministic policies decide identically in two instances from the same invoker set', () => {
  it.each(['openwhisk-sharding', 'consistent-hash', 'bucket-hash', 'least-assigned'] as const)(
    '%s',
    (name) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 4, max: 64 }),
          fc.array(arbitraryRequest, { minLength: 50, maxLength: 50 }),
          (n, requests) => {
            const view = healthyView(range(n), 2048).map((v) => ({
              ...v,
              inFlight: v.id % 5,
              inFlightMB: (v.id % 5) * 256,
            }));
            const a = withMembers(createPolicy(name, { boundFactor: 1.25 }), view);
            const b = createPolicy(name, { boundFactor: 1.25 });
            b.setMembers(range(n).reverse());
            const copy = view.map((v) => ({ ...v }));
            for (const request of requests) expect(b.choose(request, copy)).toEqual(a.choose(request, view));
          },
        ),
        { numRuns: 15 },
      );
    },
  );
});

describe('forced placements', () => {
  it.each(policyNames.map((n) => [n]))(
    '%s picks a random healthy invoker with the injected source when all are full',
    (name) => {
      const view = healthyView(range(6), 256).map((v) => ({
        ...v,
        inFlightMB: 256,
        status: v.id === 0 ? ('offline' as const) : ('healthy' as const),
      }));
      // random() = 0 picks the first healthy invoker: 1.
      const decision = chooseIn(createPolicy(name, { random: () => 0 }), colored('c'), view)!;
      expect(decision.forced).toBe(true);
      expect(decision.invoker).toBe(1);
    },
  );
});
