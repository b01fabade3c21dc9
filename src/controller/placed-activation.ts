/**
 * A placed activation as the pure core (state.ts) hands it to the shell, and the placement record
 * it leaves once its message was published.
 */
import type { Decision } from '../balancer/types.js';
import type { PlacementPath } from './placement-reason.js';
import type { InvocationRequest, Placement } from './types.js';

/** A placed activation, ready to publish. */
export interface PlacedActivation {
  readonly activationId: string;
  /** The ActivationMessage as JSON, for topic `invoker<invoker>`. */
  readonly message: string;
  readonly invoker: number;
  readonly color: string | undefined;
  readonly policy: string;
  readonly decision: Decision;
  readonly path: PlacementPath;
  readonly startedAt: number;
}

/** Where an activation went, as `recordPlacement` stores it. */
export function placementRecord(
  placed: PlacedActivation,
  request: InvocationRequest,
  controllerId: string,
): Placement {
  const { color, policy, decision } = placed;
  return {
    activationId: placed.activationId,
    ...(request.cause !== undefined ? { cause: request.cause } : {}),
    namespace: request.user.namespace.name,
    action: `${request.action.namespace}/${request.action.name}`,
    ...(color !== undefined ? { color } : {}),
    policy,
    invoker: decision.invoker,
    home: decision.home,
    forced: decision.forced,
    spilled: decision.spilled,
    reason: placed.path.reason,
    hops: placed.path.hops,
    controller: controllerId,
    time: placed.startedAt,
  };
}
