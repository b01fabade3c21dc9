/**
 * What a policy sees and what it answers. Policies are pure: they never do I/O, never read the
 * clock and never call Math.random unless handed a random source, so every controller replica
 * computes the same answer from the same invoker view.
 */

/** OpenWhisk's InvokerState (InvokerSupervision.scala); only `healthy` takes work. */
export type InvokerStatus = 'healthy' | 'unhealthy' | 'unresponsive' | 'offline';

export interface InvokerView {
  /** OpenWhisk's invoker number: messages go to topic `invoker<id>`. */
  readonly id: number;
  readonly status: InvokerStatus;
  /** Memory slots in MB this controller may use on the invoker (userMemory / controller replicas). */
  readonly capacityMB: number;
  /** MB currently taken by this controller's in-flight activations on the invoker. */
  readonly inFlightMB: number;
  /** Number of this controller's in-flight activations on the invoker. */
  readonly inFlight: number;
}

export interface PlacementRequest {
  /** The Palette color, already validated; undefined for an uncolored invocation. */
  readonly color?: string;
  /** The invoking user's namespace name (OpenWhisk hashes it with the action for the home invoker). */
  readonly namespace: string;
  /** `<action path>/<action name>`, no version (OpenWhisk's fullyQualifiedName(false)). */
  readonly action: string;
  /** The action's memory limit in MB: what one activation takes from an invoker's slots. */
  readonly memoryMB: number;
}

export interface Decision {
  readonly invoker: number;
  /** The invoker the policy would pick ignoring load and health (the color's or action's home). */
  readonly home: number;
  /** Every healthy invoker was full: sent to a healthy invoker anyway, as OpenWhisk's overload path does. */
  readonly forced: boolean;
  /** Sent somewhere other than `home` because `home` was unhealthy, full or over the load bound. */
  readonly spilled: boolean;
}

export const policyNames = [
  'random',
  'round-robin',
  'openwhisk-sharding',
  'consistent-hash',
  'bucket-hash',
  'least-assigned',
] as const;
export type PolicyName = (typeof policyNames)[number];

export interface Policy {
  readonly name: string;
  /**
   * Picks an invoker for one activation, or undefined when no invoker is healthy.
   * Must not mutate `invokers`; the caller accounts the load of the returned decision.
   */
  choose(request: PlacementRequest, invokers: readonly InvokerView[]): Decision | undefined;
}

/** The outcome of walking a policy's preference order: its home and the first accepted invoker. */
export interface CandidateSearch {
  readonly home: number;
  /** The first invoker in the order that `accept` took, or -1 when none did. */
  readonly chosen: number;
}

/**
 * A policy with a deterministic preference order per request (home first, then every other
 * invoker in the view exactly once, ignoring health and load). Wrappers such as bounded loads walk
 * this order with their own acceptance rule instead of re-implementing the policy.
 */
export interface OrderedPolicy extends Policy {
  /**
   * The first invoker of the order (the home), without walking further; undefined when there is
   * none (empty view, or a new color and nothing healthy to assign it to). The fast path.
   */
  homeView(request: PlacementRequest, invokers: readonly InvokerView[]): InvokerView | undefined;
  /** The whole order as invoker ids; allocates, meant for tests and diagnostics. */
  candidates(request: PlacementRequest, invokers: readonly InvokerView[]): number[];
  /**
   * Walks the order and stops at the first invoker `accept` takes. Undefined when the view is empty.
   * This is the hot path: it allocates nothing beyond the result.
   */
  search(
    request: PlacementRequest,
    invokers: readonly InvokerView[],
    accept: (view: InvokerView, request: PlacementRequest) => boolean,
  ): CandidateSearch | undefined;
}

export function isOrderedPolicy(policy: Policy): policy is OrderedPolicy {
  return typeof (policy as Partial<OrderedPolicy>).search === 'function';
}
