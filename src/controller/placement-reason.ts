/**
 * Why an activation went where it went (R7's `palette.reason`) and how many invokers the policy
 * passed over on the way (`palette.hops`). Pure: computed from the decision and, only when the
 * activation left its home, from the policy's preference order (which allocates, so the common
 * home case never asks for it).
 *
 * - home: the home invoker took it (0 hops);
 * - spilled: a later invoker in the policy's order took it; hops = its distance from the home in
 *   that order (round-robin's order is a rotation, so the distance is taken from the home's place);
 * - forced: every healthy invoker was full (OpenWhisk's overload path); hops = every member;
 * - replica, planned: reserved for hot-color replicas and planned pins (DECISIONS R7/R8), which
 *   are not built yet; no decision produces them today.
 */
import type { Decision, PlacementRequest, Policy } from '../balancer/types.js';

export const placementReasons = ['home', 'spilled', 'forced', 'replica', 'planned'] as const;
export type PlacementReason = (typeof placementReasons)[number];

export interface PlacementPath {
  readonly reason: PlacementReason;
  readonly hops: number;
}

const atHome: PlacementPath = { reason: 'home', hops: 0 };

export function placementPath(policy: Policy, request: PlacementRequest, decision: Decision): PlacementPath {
  if (!decision.forced && !decision.spilled) return atHome;
  const order = [...policy.order(request)];
  if (decision.forced) return { reason: 'forced', hops: order.length };
  const home = order.indexOf(decision.home);
  const chosen = order.indexOf(decision.invoker);
  const hops = home < 0 || chosen < 0 ? 0 : (chosen - home + order.length) % order.length;
  return { reason: 'spilled', hops };
}
