/**
 * How a container's answers become an activation response and record, after OpenWhisk's
 * ActivationResponse.processInitResponseContent / processRunResponseContent, Container.scala
 * (timeouts) and ContainerProxy.constructWhiskActivation / InvokerReactive.generateFallbackActivation.
 * The message texts are OpenWhisk's (common/scala/.../http/ErrorResponse.scala, object Messages).
 */
import type { ActivationMessage, ActivationResponse, KeyValue, WhiskActivation } from '../protocol/index.js';
import type { CallResult } from './container.js';
import { maxResponseBytes } from './container.js';

export const messages = {
  abnormalInitialization: 'The action did not initialize and exited unexpectedly.',
  abnormalRun: 'The action did not produce a valid response and exited unexpectedly.',
  actionRemovedWhileInvoking: 'Action could not be found or may have been deleted.',
  actionMismatchWhileInvoking: 'Action version is not compatible and cannot be invoked.',
  actionFetchErrorWhileInvoking: 'Action could not be fetched.',
  resourceProvisionError: 'Failed to provision resources to run the action.',
  imagePullError: (image: string): string => `Failed to pull container image '${image}'.`,
  timedoutActivation: (timeoutMs: number, init: boolean): string =>
    `The action exceeded its time limits of ${timeoutMs} milliseconds${init ? ' during initialization.' : '.'}`,
  invalidInitResponse: (body: string): string =>
    `The action failed during initialization${body ? `: ${body}` : '.'}`,
  invalidRunResponse: (body: string): string =>
    `The action did not produce a valid JSON or JSON Array response${body ? `: ${body}` : '.'}`,
  truncatedResponse: (trunk: string, length: number, max: number): string =>
    `The action produced a response that exceeded the allowed length: ${length} > ${max} bytes. The truncated response was: ${trunk}`,
} as const;

function error(statusCode: 1 | 2 | 3, value: unknown, size?: number): ActivationResponse {
  return size === undefined
    ? { statusCode, result: { error: value } }
    : { statusCode, result: { error: value }, size };
}
export const applicationError = (value: unknown, size?: number) => error(1, value, size);
export const developerError = (value: unknown, size?: number) => error(2, value, size);
export const whiskError = (value: unknown) => error(3, value);

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function timedOut(call: CallResult, timeoutMs: number): boolean {
  return call.outcome.kind === 'timeout' || call.endMs - call.startMs >= timeoutMs;
}

/** The response of a failed /init (only called when the init did not succeed). */
export function initFailureResponse(call: CallResult, timeoutMs: number): ActivationResponse {
  if (timedOut(call, timeoutMs)) return developerError(messages.timedoutActivation(timeoutMs, true));
  const outcome = call.outcome;
  if (outcome.kind !== 'ok') return developerError(messages.abnormalInitialization);
  const size = outcome.body.length;
  if (outcome.truncatedFrom !== undefined) {
    return developerError(
      messages.truncatedResponse(outcome.body, outcome.truncatedFrom, maxResponseBytes),
      outcome.truncatedFrom,
    );
  }
  const parsed = parseJson(outcome.body);
  if (parsed.ok && isObject(parsed.value)) {
    return developerError(
      'error' in parsed.value ? parsed.value.error : messages.invalidInitResponse(outcome.body),
      size,
    );
  }
  return developerError(messages.invalidInitResponse(outcome.body), size);
}

export function initSucceeded(call: CallResult, timeoutMs: number): boolean {
  return (
    call.outcome.kind === 'ok' &&
    call.outcome.status === 200 &&
    call.outcome.truncatedFrom === undefined &&
    !timedOut(call, timeoutMs)
  );
}

/** The response of a /run call. */
export function runResponse(call: CallResult, timeoutMs: number): ActivationResponse {
  if (timedOut(call, timeoutMs)) return developerError(messages.timedoutActivation(timeoutMs, false));
  const outcome = call.outcome;
  if (outcome.kind !== 'ok') return developerError(messages.abnormalRun);
  if (outcome.truncatedFrom !== undefined) {
    return applicationError(
      messages.truncatedResponse(outcome.body, outcome.truncatedFrom, maxResponseBytes),
      outcome.truncatedFrom,
    );
  }
  const size = outcome.body.length;
  const okStatus = outcome.status === 200;
  const parsed = parseJson(outcome.body);
  if (!parsed.ok) return developerError(messages.invalidRunResponse(outcome.body), size);
  const value = parsed.value;
  if (isObject(value)) {
    if (okStatus)
      return 'error' in value ? applicationError(value.error, size) : { statusCode: 0, result: value, size };
    return developerError('error' in value ? value.error : messages.invalidRunResponse(outcome.body), size);
  }
  if (Array.isArray(value)) {
    return okStatus
      ? { statusCode: 0, result: value, size }
      : developerError(messages.invalidRunResponse(outcome.body), size);
  }
  return developerError(messages.invalidRunResponse(outcome.body), size);
}

export interface ActionFacts {
  readonly name: string;
  readonly namespace: string;
  readonly version: string;
  readonly kind: string;
  readonly limits: Record<string, unknown>;
}

export interface ActivationTiming {
  /** Start and end of init + run (the run start minus the init duration on a cold start). */
  readonly startMs: number;
  readonly endMs: number;
  /** Init start and duration, on a cold start. */
  readonly init?: { readonly startMs: number; readonly durationMs: number };
  readonly timeout: boolean;
}

/** ContainerProxy.constructWhiskActivation. */
export function constructActivation(
  msg: ActivationMessage,
  action: ActionFacts,
  timing: ActivationTiming,
  response: ActivationResponse,
): WhiskActivation {
  const annotations: KeyValue[] = [
    { key: 'limits', value: action.limits },
    { key: 'path', value: `${action.namespace}/${action.name}` },
    { key: 'kind', value: action.kind },
    { key: 'timeout', value: timing.timeout },
  ];
  if (msg.cause !== undefined) annotations.push({ key: 'causedBy', value: 'sequence' });
  if (timing.init) annotations.push({ key: 'initTime', value: timing.init.durationMs });
  const waitEnd = timing.init ? timing.init.startMs : timing.startMs;
  annotations.push({ key: 'waitTime', value: Math.max(0, waitEnd - msg.transid[1]) });
  if (msg.action.binding !== undefined) annotations.push({ key: 'binding', value: msg.action.binding });
  const activation: WhiskActivation = {
    namespace: msg.user.namespace.name,
    name: action.name,
    subject: msg.user.subject,
    activationId: msg.activationId,
    start: timing.startMs,
    end: timing.endMs,
    response,
    logs: [],
    version: action.version,
    publish: false,
    annotations,
    duration: timing.endMs - timing.startMs,
  };
  if (msg.cause !== undefined) activation.cause = msg.cause;
  return activation;
}

/** InvokerReactive.generateFallbackActivation: a zero-length activation for a failure before any run. */
export function fallbackActivation(
  msg: ActivationMessage,
  response: ActivationResponse,
  nowMs = Date.now(),
): WhiskActivation {
  const annotations: KeyValue[] = [
    { key: 'path', value: `${msg.action.path}/${msg.action.name}` },
    { key: 'kind', value: 'unknown' },
  ];
  if (msg.cause !== undefined) annotations.push({ key: 'causedBy', value: 'sequence' });
  const activation: WhiskActivation = {
    namespace: msg.user.namespace.name,
    name: msg.action.name,
    subject: msg.user.subject,
    activationId: msg.activationId,
    start: nowMs,
    end: nowMs,
    response,
    logs: [],
    version: msg.action.version ?? '0.0.1',
    publish: false,
    annotations,
    duration: 0,
  };
  if (msg.cause !== undefined) activation.cause = msg.cause;
  return activation;
}
