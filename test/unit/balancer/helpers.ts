import fc from 'fast-check';
import type {
  Decision,
  InvokerStatus,
  InvokerView,
  PlacementRequest,
  Policy,
} from '../../../src/balancer/types.js';

/** Deterministic PRNG (mulberry32) for reproducible random sources. */
export { mulberry32 as seeded } from '../../../bench/lib/random.js';

export function healthyView(ids: readonly number[], capacityMB = 1 << 20): InvokerView[] {
  return ids.map((id) => ({ id, status: 'healthy', capacityMB, inFlightMB: 0, inFlight: 0 }));
}

export const idsOf = (view: readonly InvokerView[]): number[] => view.map((v) => v.id);

/** Tells `policy` the members of `view` (as LoadTracker.onMembersChanged does) and returns it. */
export function withMembers<P extends Policy>(policy: P, view: readonly InvokerView[]): P {
  policy.setMembers(idsOf(view));
  return policy;
}

/**
 * Tells `policy` the members of `view`, then chooses: what the controller sees when the view may
 * have changed membership since the last decision (setting the same members again rebuilds nothing).
 */
export function chooseIn(
  policy: Policy,
  request: PlacementRequest,
  view: readonly InvokerView[],
): Decision | undefined {
  policy.setMembers(idsOf(view));
  return policy.choose(request, view);
}

export const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => i + from);

export function colored(color: string, memoryMB = 256): PlacementRequest {
  return { color, namespace: 'guest', action: 'guest/timeline', memoryMB };
}

export const colorNames = (count: number, prefix = 'user'): string[] =>
  range(count).map((i) => `${prefix}${i}`);

/** N distinct invoker ids from 0..199, N uniform in [min, max] (fast-check would otherwise favour small N). */
export const invokerIds = (min = 4, max = 64) =>
  fc
    .integer({ min, max })
    .chain((n) => fc.uniqueArray(fc.integer({ min: 0, max: 199 }), { minLength: n, maxLength: n }))
    .map((ids) => ids.sort((a, b) => a - b));

/**
 * Movement properties are statistical (a ring's shares vary with its points), so their runs are
 * seeded: CI sees the same configurations every time. Change the seed to explore others.
 */
export const MOVEMENT_SEED = 20_230_508;

const statuses: InvokerStatus[] = ['healthy', 'unhealthy', 'unresponsive', 'offline'];

/** An arbitrary view: statuses, capacities and loads, some invokers full; ascending by id, as the Policy contract requires. */
export const arbitraryView = (maxInvokers = 24) =>
  fc
    .uniqueArray(
      fc.record({
        id: fc.integer({ min: 0, max: 99 }),
        status: fc.constantFrom(...statuses, 'healthy', 'healthy'),
        capacityMB: fc.constantFrom(0, 256, 512, 1024, 2048),
        inFlight: fc.integer({ min: 0, max: 12 }),
      }),
      { minLength: 0, maxLength: maxInvokers, selector: (v) => v.id },
    )
    .map((rows) =>
      [...rows]
        .sort((a, b) => a.id - b.id)
        .map((r): InvokerView => ({
          id: r.id,
          status: r.status,
          capacityMB: r.capacityMB,
          inFlight: r.inFlight,
          inFlightMB: Math.min(r.capacityMB + 256, r.inFlight * 128),
        })),
    );

export const arbitraryRequest = fc.record({
  color: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
  namespace: fc.constantFrom('guest', 'alice', 'bob'),
  action: fc.constantFrom('guest/hello', 'alice/pkg/cache', 'bob/x'),
  memoryMB: fc.constantFrom(128, 256, 512),
});
