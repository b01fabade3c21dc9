/**
 * Invoke: `POST /api/v1/namespaces/{ns}/actions/{name}?blocking&result&timeout` (OpenWhisk
 * Actions.scala activate/doInvoke). The hot path: authenticated identity and action document come
 * from short-lived caches, so a non-blocking invoke costs one Kafka publish and no CouchDB read. It
 * is written against node's own request and response, so the fast path (fast-path.ts) can call it
 * without express's per-request machinery.
 *
 * Replies: 202 `{activationId}` when non-blocking or when a blocking call outlives its wait; a
 * completed blocking call is 200 (success), 502 (application or developer error) or 500 (whisk
 * error), with the extended activation or, with `result=true`, only its result. Every reply that
 * carries an activation has the `x-openwhisk-activation-id` header.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ColorError } from '../balancer/color.js';
import type { ControllerCore } from '../controller/types.js';
import { Stage, type RequestStages } from '../controller/stage-timing.js';
import { NoInvokersError, PublishTimeoutError } from '../controller/types.js';
import {
  extendedActivation,
  type ActionDocument,
  type Identity,
  type TransactionId,
} from '../protocol/index.js';
import { checkEntityName } from './action-doc.js';
import { resolveNamespace } from './auth.js';
import { pathNamespace } from './package-access.js';
import { readJsonBody, invokePayloadLimit } from './body.js';
import type { EntityCache } from './cache.js';
import { ApiError, badRequest, messages, notFound, sendJson } from './errors.js';
import type { ActionPort, PackagedActionLookup } from './ports.js';
import { boolParam, stringParam } from './query.js';

/** OpenWhisk's whisk.controller.activation.max-wait-for-blocking-activation. */
export const maxBlockingWaitMs = 60_000;

export const activationIdHeader = 'x-openwhisk-activation-id';

export interface InvokeDeps {
  core: ControllerCore;
  actions: ActionPort;
  cache: EntityCache<ActionDocument>;
  /** Actions in packages; without it, a packaged path is a 404 (no packages exist). */
  packaged?: PackagedActionLookup;
  /** The caller's invocation limits (throttles.ts): throws the 429 before anything is read. */
  admit(user: Identity): void;
}

export interface InvokeTarget {
  transid: TransactionId;
  identity: Identity;
  /** As given in the path: `_` or a namespace name. */
  namespace: string;
  /** The package or binding in the path, for `/actions/{pkg}/{name}`. */
  pkg?: string;
  name: string;
  /** The request's stage clock (fast path, timing on). */
  stages?: RequestStages;
}

export function actionKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function waitParam(req: IncomingMessage): number {
  const raw = stringParam(req, 'timeout');
  if (raw === undefined) return maxBlockingWaitMs;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= maxBlockingWaitMs)) throw badRequest(messages.timeout(maxBlockingWaitMs));
  return value;
}

function payloadOf(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object') {
    throw badRequest('The request content was malformed: the payload must be a JSON object or array.');
  }
  return body;
}

/** WhiskAction.immutableParameters: a `final` action's defined parameters cannot be overridden. */
export function checkFinalParameters(action: ActionDocument, payload: unknown): void {
  if (payload === undefined || Array.isArray(payload)) return;
  const isFinal = action.annotations.some((a) => a.key === 'final' && a.value === true);
  if (!isFinal) return;
  const fixed = new Set(
    action.parameters
      .filter((p) => p.value !== undefined && p.value !== null && p.value !== '')
      .map((p) => p.key),
  );
  for (const key of Object.keys(payload as object)) {
    if (fixed.has(key)) {
      throw badRequest('Request defines parameters that are not allowed (e.g., reserved properties).');
    }
  }
}

const statusFor = [200, 502, 502, 500] as const;

export type InvokeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  target: InvokeTarget,
) => Promise<void>;

/** Handles one invoke; throws ApiError (or an unexpected error) for the caller to turn into a reply. */
export function invokeHandler(deps: InvokeDeps): InvokeHandler {
  return async function invoke(req, res, target) {
    const { name, pkg, stages } = target;
    // Another namespace's published package is open to the caller; its default package never is.
    // Names are checked in the express routes' order: namespace, package, action.
    let namespace: string;
    if (pkg === undefined) {
      namespace = resolveNamespace(target.identity, target.namespace);
    } else {
      namespace = pathNamespace(target.identity, target.namespace);
      checkEntityName(pkg);
    }
    checkEntityName(name);
    // OpenWhisk checks the throttles before the privilege, the body and the action.
    deps.admit(target.identity);
    const blocking = boolParam(req, 'blocking', false);
    const resultOnly = boolParam(req, 'result', false);
    const waitMs = waitParam(req);
    const payload = payloadOf(await readJsonBody(req, invokePayloadLimit));
    stages?.lap(Stage.requestRead);
    const action =
      pkg === undefined
        ? await deps.cache.load(actionKey(namespace, name), () => deps.actions.get(namespace, name))
        : await deps.packaged?.(target.identity, namespace, pkg, name);
    if (!action) throw notFound();
    checkFinalParameters(action, payload);
    stages?.lap(Stage.actionLookup);

    let outcome;
    try {
      outcome = await deps.core.invoke({
        transid: target.transid,
        user: target.identity,
        action,
        payload,
        blocking,
        waitMs,
        ...(stages ? { stages } : {}),
      });
    } catch (err) {
      if (err instanceof ColorError) throw badRequest(err.message);
      if (err instanceof NoInvokersError) throw new ApiError(503, messages.noInvokers);
      if (err instanceof PublishTimeoutError) throw new ApiError(503, messages.serviceUnavailable);
      throw err;
    }

    const header = { [activationIdHeader]: outcome.activationId };
    if (outcome.kind === 'accepted') {
      sendJson(res, 202, { activationId: outcome.activationId }, header);
      return;
    }
    const activation = outcome.activation;
    const body = resultOnly ? (activation.response.result ?? {}) : extendedActivation(activation);
    sendJson(res, statusFor[activation.response.statusCode], body, header);
  };
}
