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
  /** OpenWhisk's exec.pull (a blackbox image to pull): only the blackbox invokers take it (pools.ts). */
  readonly blackbox?: boolean;
  /** Not a Node.js kind: never placed on an invoker tagged Node.js-only (pools.ts). */
  readonly nonNodejs?: boolean;
}

/**
 * The part of OpenWhisk's status vector (invoker ids `start` to `end - 1`) that a set of members was
 * cut from (pools.ts: the managed or the blackbox invokers). Only OpenWhisk's sharding reads it: it
 * hashes over that slice, as OpenWhisk over its managedInvokers or blackboxInvokers.
 */
export interface StatusVectorSlice {
  readonly start: number;
  readonly end: number;
}

export interface Decision {
  readonly invoker: number;
  /** The invoker the policy would pick ignoring load and health (the color's or action's home). */
  readonly home: number;
  /** Every healthy invoker was full: sent to a healthy invoker anyway, as OpenWhisk's overload path does. */
  readonly forced: boolean;
  /** Sent somewhere other than `home` because `home` was unhealthy, full or over the load bound. */
  readonly spilled: boolean;
  /**
   * Why, when a wrapper decided rather than the policy's own order: `planned` = the color's pin
   * from a co-access plan (src/balancer/policies/pinned.ts), `replica` = the least loaded home of
   * a hot color (policies/replicated.ts).
   */
  readonly reason?: PlacementReason;
}

export type PlacementReason = 'planned' | 'replica';

export const policyNames = [
  'random',
  'round-robin',
  'openwhisk-sharding',
  'consistent-hash',
  'bucket-hash',
  'least-assigned',
] as const;
export type PolicyName = (typeof policyNames)[number];

/**
 * A placement policy. Membership and load reach it by two different roads:
 * - `setMembers` tells it which invokers exist. It is called whenever the invoker set changes
 *   (LoadTracker.onMembersChanged), and it is where a policy rebuilds its tables (ring, buckets,
 *   OpenWhisk's status vector, the index from invoker id to view position). Setting the same set
 *   again rebuilds nothing.
 * - `choose` reads health and load from the view, which must list exactly the members, ascending
 *   by id (LoadTracker.view() does). The policy trusts that contract instead of re-deriving the
 *   membership on every call; a view whose length differs from the member count is refused with a
 *   RangeError (the caller forgot to call `setMembers`).
 */
export interface Policy {
  readonly name: string;
  /**
   * The invoker ids from now on, in any order (the policy sorts them). Throws a RangeError for a
   * duplicate or an id outside 0..MAX_INVOKER_ID.
   */
  setMembers(ids: readonly number[], slice?: StatusVectorSlice): void;
  /**
   * Picks an invoker for one activation, or undefined when no invoker is healthy.
   * `view` lists exactly the members, ascending by id. Must not mutate `view`; the caller
   * accounts the load of the returned decision.
   */
  choose(request: PlacementRequest, view: readonly InvokerView[]): Decision | undefined;
  /**
   * The policy's preference order for `request`, ignoring health and load: the home first, then
   * every other member once (empty without members). `choose` takes the first healthy invoker
   * with room in this order (bounded loads: also under the bound). Exceptions, documented on each
   * policy: random answers a fresh random order, round-robin the order of the current turn,
   * OpenWhisk's sharding only its managed invokers. Allocates: not for the hot path.
   */
  order(request: PlacementRequest): Iterable<number>;
}
