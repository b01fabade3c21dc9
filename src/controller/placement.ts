/**
 * Where a color becomes an invoker. One look:
 *
 *   color = the invocation parameter `__palette_color`, else the action annotation of that name
 *   colored   -> the color policy    (PALETTE_POLICY, default consistent-hash within bounded loads)
 *   uncolored -> the baseline policy (PALETTE_BASELINE, default OpenWhisk's sharding balancer)
 *   either policy chooses only within the action's pool (balancer/pools.ts: OpenWhisk's
 *   managed/blackbox split, and no non-Node.js kind on an invoker tagged Node.js-only);
 *   the policy walks its own deterministic order over the healthy invokers with room; when every
 *   healthy invoker is full it forces a random healthy one (OpenWhisk's overload path); with no
 *   healthy invoker there is no decision and the API answers 503.
 */
import type { Decision, InvokerView, PlacementRequest, Policy } from '../balancer/types.js';
import { placementPath, type PlacementPath } from './placement-reason.js';

export interface PlacementPolicies {
  colored: { name: string; policy: Policy };
  uncolored: { name: string; policy: Policy };
}

export interface PlacementInput {
  color: string | undefined;
  namespace: string;
  action: string;
  memoryMB: number;
  /** A blackbox action whose image must be pulled (OpenWhisk's exec.pull). */
  blackbox?: boolean;
  /** Not a Node.js kind: Palette's own invokers cannot run it. */
  nonNodejs?: boolean;
}

export interface PlacementChoice {
  decision: Decision | undefined;
  policy: string;
  /** Why it went there and how many invokers were passed over (set with the decision). */
  path?: PlacementPath;
}

export function chooseInvoker(
  policies: PlacementPolicies,
  input: PlacementInput,
  invokers: readonly InvokerView[],
): PlacementChoice {
  const { name, policy } = input.color === undefined ? policies.uncolored : policies.colored;
  const { color, ...rest } = input;
  const request: PlacementRequest = color === undefined ? rest : { color, ...rest };
  const decision = policy.choose(request, invokers);
  if (!decision) return { decision, policy: name };
  return { decision, policy: name, path: placementPath(policy, request, decision) };
}
