/**
 * Where a color becomes an invoker. One look:
 *
 *   color = the invocation parameter `__palette_color`, else the action annotation of that name
 *   colored   -> the color policy    (PALETTE_POLICY, default consistent-hash within bounded loads)
 *   uncolored -> the baseline policy (PALETTE_BASELINE, default OpenWhisk's sharding balancer)
 *   the policy walks its own deterministic order over the healthy invokers with room; when every
 *   healthy invoker is full it forces a random healthy one (OpenWhisk's overload path); with no
 *   healthy invoker there is no decision and the API answers 503.
 */
import type { Decision, InvokerView, Policy } from '../balancer/types.js';
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
  const request =
    input.color === undefined
      ? { namespace: input.namespace, action: input.action, memoryMB: input.memoryMB }
      : { color: input.color, namespace: input.namespace, action: input.action, memoryMB: input.memoryMB };
  const decision = policy.choose(request, invokers);
  if (!decision) return { decision, policy: name };
  return { decision, policy: name, path: placementPath(policy, request, decision) };
}
