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
