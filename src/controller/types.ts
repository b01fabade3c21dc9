/**
 * What the controller core offers the REST layer (src/api). The core knows no HTTP: it takes an
 * invocation already authenticated and its action already fetched, and answers with an outcome the
 * API maps to OpenWhisk's status codes.
 */
import type { ActionDocument, Identity, TransactionId, WhiskActivation } from '../protocol/index.js';
import type { InvokerStatus } from '../balancer/types.js';
import type { PlacementReason } from './placement-reason.js';
import type { RequestStages } from './stage-timing.js';

export interface InvocationRequest {
  transid: TransactionId;
  /** The authenticated caller; its namespace is the activation's namespace. */
  user: Identity;
  /** The action document as read from the whisks database (with `_rev`). */
  action: ActionDocument;
  /** The request body: a JSON object (merged over the action's parameters) or an array, or undefined. */
  payload: unknown;
  blocking: boolean;
  /** How long a blocking call waits for the result before answering with the id (ms, 1..60000). */
  waitMs: number;
  /**
   * A color already resolved by an entry point that carries it (a sequence, a trigger, a web action:
   * DECISIONS R7). When set it wins over `__palette_color` in the payload and the action's annotation.
   */
  color?: string;
  /** The activation that caused this one (a sequence's or a trigger's): ActivationMessage.cause. */
  cause?: string;
  /** The request's stage clock (stage-timing.ts), lapped at decision, publish and result; absent when off. */
  stages?: RequestStages;
}

export type InvocationOutcome =
  /** Non-blocking, or blocking but no result within waitMs: OpenWhisk answers 202 with the id. */
  | { kind: 'accepted'; activationId: string }
  /** Blocking and the result arrived: 200 / 502 / 500 by the activation's statusCode. */
  | { kind: 'completed'; activationId: string; activation: WhiskActivation };

/** Where the controller placed an activation (also written to `<prefix>palette_placements`). */
export interface Placement {
  activationId: string;
  /** What was activated; absent means an action. Sequences and triggers have no invoker (R7). */
  kind?: 'action' | 'sequence' | 'trigger';
  /** The activation that caused this one, if any. */
  cause?: string;
  namespace: string;
  action: string;
  color?: string;
  policy: string;
  /** Where it ran; absent for sequences and triggers, which the controller runs itself (R7). */
  invoker?: number;
  home?: number;
  forced: boolean;
  spilled: boolean;
  /** R7's `palette.reason` and `palette.hops` (absent on records written before they existed). */
  reason?: PlacementReason;
  hops?: number;
  controller: string;
  /** Epoch ms of the decision. */
  time: number;
}

/** Raised when no invoker is healthy: the API answers 503 "No invokers available.". */
export class NoInvokersError extends Error {
  readonly retriable = true;
  constructor() {
    super('No invokers available.');
  }
}

/**
 * The activation message could not be handed to the broker within the publish bound: the API
 * answers 503 at once instead of hanging (the activation was not accepted; its slot is free).
 */
export class PublishTimeoutError extends Error {
  readonly retriable = true;
  constructor(readonly timeoutMs: number) {
    super(`the activation could not be published within ${timeoutMs} ms`);
  }
}

export interface InvokerHealthEntry {
  id: number;
  name: string;
  status: InvokerStatus;
  userMemoryMB: number;
}

export interface ControllerCore {
  /** Places and publishes one activation; throws ColorError (400) or NoInvokersError (503). */
  invoke(request: InvocationRequest): Promise<InvocationOutcome>;
  /** OpenWhisk's `GET /invokers` view: `invoker<N>/<name>` -> up|unhealthy|unresponsive|down. */
  invokerHealth(): InvokerHealthEntry[];
  /** True once the controller is connected to its bus and store and can place work. */
  isReady(): boolean;
  close(): Promise<void>;
}
