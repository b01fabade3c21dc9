/**
 * The pure part of running a sequence, after OpenWhisk's SequenceActions.scala: the accounting that
 * is folded over the components (SequenceAccounting), the input each component receives, the
 * sequence's own activation record (makeSequenceActivation) and where its color comes from.
 *
 * - A component's output is the next one's input when it is a JSON object or array; otherwise the
 *   next component gets no payload.
 * - The chain stops after an activation whose result has an `error` field (every non-success
 *   status has one), or when the atomic action count would pass the limit. The sequence's response
 *   is the last response, so its status is the failing component's.
 * - Colors (DECISIONS R7): invocation parameter > sequence annotation > each component's own
 *   annotation > baseline. The color is carried beside the payload, never inside it.
 */
import { resolveColor, withoutColor } from '../balancer/color.js';
import {
  actionSequenceLimit,
  formatFullyQualifiedName,
  fullyQualifiedNameOf,
  sequenceKind,
  sequenceMessages,
  type ActivationResponse,
  type Identity,
  type KeyValue,
  type SequenceActionDocument,
  type TransactionId,
  type WhiskActivation,
} from '../protocol/index.js';

export interface SequenceAccounting {
  /** Atomic (non-sequence) actions run so far since the topmost sequence started. */
  atomicCount: number;
  /** The last response: the initial payload boxed as a success, then each component's. */
  response: ActivationResponse;
  /** Component activation ids, in order (nested sequences contribute their own id). */
  logs: string[];
  /** Sum of the components' durations ("user" time, not wall time). */
  duration: number;
  /** Largest memory limit seen in the components' `limits` annotations. */
  maxMemory?: number;
  shortcircuit: boolean;
}

/** ActivationResponse.payloadPlaceholder: the sequence's input, boxed as a successful response. */
export function initialAccounting(atomicCount: number, payload: unknown): SequenceAccounting {
  const response: ActivationResponse = { statusCode: 0 };
  if (payload !== undefined) response.result = payload;
  return { atomicCount, response, logs: [], duration: 0, shortcircuit: false };
}

/** What the next component receives: the previous result if it is an object or an array. */
export function nextInput(accounting: SequenceAccounting): unknown {
  const result = accounting.response.result;
  return typeof result === 'object' && result !== null ? result : undefined;
}

export function applicationError(message: string): ActivationResponse {
  return { statusCode: 1, result: { error: message } };
}

export function whiskError(message: string): ActivationResponse {
  return { statusCode: 3, result: { error: message } };
}

function memoryOf(activation: WhiskActivation): number | undefined {
  const limits = activation.annotations.find((a) => a.key === 'limits')?.value;
  if (typeof limits !== 'object' || limits === null) return undefined;
  const memory = (limits as { memory?: unknown }).memory;
  return typeof memory === 'number' ? memory : undefined;
}

function hasErrorField(response: ActivationResponse): boolean {
  const result = response.result;
  return typeof result === 'object' && result !== null && !Array.isArray(result) && 'error' in result;
}

/** ActivationResponse's own fields only: an acknowledged record may carry REST extras (`status`, `success`). */
function storedResponse(response: ActivationResponse): ActivationResponse {
  const out: ActivationResponse = { statusCode: response.statusCode };
  if (response.result !== undefined) out.result = response.result;
  if (typeof response.size === 'number') out.size = response.size;
  return out;
}

/** SequenceAccounting.maybe: a component (or inner sequence) completed with this activation. */
export function completed(
  prev: SequenceAccounting,
  activation: WhiskActivation,
  atomicCount: number,
  limit = actionSequenceLimit,
): SequenceAccounting {
  const withinLimit = atomicCount <= limit;
  const response = withinLimit
    ? storedResponse(activation.response)
    : applicationError(sequenceMessages.tooLong);
  const memory = memoryOf(activation);
  const maxMemory =
    memory === undefined ? prev.maxMemory : Math.max(memory, prev.maxMemory ?? Number.NEGATIVE_INFINITY);
  return {
    atomicCount,
    response,
    logs: [...prev.logs, activation.activationId],
    duration: prev.duration + (activation.duration ?? 0),
    ...(maxMemory !== undefined ? { maxMemory } : {}),
    shortcircuit: !withinLimit || hasErrorField(activation.response),
  };
}

/** SequenceAccounting.fail: no record to account (not found, timed out, a system failure). */
export function failed(
  prev: SequenceAccounting,
  response: ActivationResponse,
  activationId?: string,
): SequenceAccounting {
  return {
    ...prev,
    response,
    logs: activationId === undefined ? prev.logs : [...prev.logs, activationId],
    shortcircuit: true,
  };
}

export interface SequenceRecordInput {
  user: Identity;
  action: SequenceActionDocument;
  activationId: string;
  accounting: SequenceAccounting;
  topmost: boolean;
  /** The enclosing sequence's activation, for an inner sequence. */
  cause?: string;
  transid: TransactionId;
  start: number;
  end: number;
}

/** makeSequenceActivation: the record the controller writes for the sequence itself. */
export function sequenceRecord(input: SequenceRecordInput): WhiskActivation {
  const { action, accounting, topmost } = input;
  const annotations: KeyValue[] = [
    { key: 'topmost', value: topmost },
    { key: 'path', value: formatFullyQualifiedName(fullyQualifiedNameOf(action)).slice(1) },
    { key: 'kind', value: sequenceKind },
  ];
  if (!topmost) annotations.push({ key: 'causedBy', value: sequenceKind });
  annotations.push({ key: 'waitTime', value: Math.max(0, input.start - input.transid[1]) });
  if (accounting.maxMemory !== undefined) {
    annotations.push({
      key: 'limits',
      value: {
        concurrency: 1,
        logs: action.limits.logs,
        memory: accounting.maxMemory,
        timeout: action.limits.timeout,
      },
    });
  }
  const record: WhiskActivation = {
    namespace: input.user.namespace.name,
    name: action.name,
    subject: input.user.subject,
    activationId: input.activationId,
    start: input.start,
    end: input.end,
    response: accounting.response,
    logs: accounting.logs,
    version: action.version,
    publish: false,
    annotations,
    duration: accounting.duration,
  };
  if (!topmost && input.cause !== undefined) record.cause = input.cause;
  return record;
}

/**
 * The color every component of this sequence runs with, or undefined when each component follows
 * its own annotation. `inherited` is an enclosing sequence's color or an entry point's (R7).
 * Throws ColorError for an invalid parameter or annotation.
 */
export function sequenceColor(
  inherited: string | undefined,
  payload: unknown,
  annotations: readonly KeyValue[],
): string | undefined {
  return inherited ?? resolveColor(payload, annotations);
}

/** The sequence's input as its first component sees it: without `__palette_color`. */
export function sequenceInput(payload: unknown): unknown {
  return withoutColor(payload);
}
