/**
 * Namespaces and limits, as OpenWhisk's controller answers them (Namespaces.scala, Limits.scala):
 * - `GET /api/v1/namespaces`: the caller's namespaces, `["guest"]` (`wsk namespace list`, and the
 *   namespace `wsk property get` shows). `wsk namespace get` reads no route of its own: it lists
 *   actions, packages, triggers and rules. OpenWhisk has no `GET /api/v1/namespaces/{ns}` either,
 *   so that path is the API's ordinary 404.
 * - `GET /api/v1/namespaces/{ns}/limits`: the namespace's UserLimits, its own values where its
 *   `<namespace>/limits` document has them, the system's otherwise (before any replica split).
 */
import { Router, type Request, type Response } from 'express';
import { limitRanges } from '../action-doc.js';
import { resolveNamespace } from '../auth.js';
import { identityOf, tidOf } from '../context.js';
import { badRequest, messages, sendError, sendJson } from '../errors.js';
import type { Throttles } from '../throttles.js';

const notAllowed = (allowed: string) => (_req: Request, res: Response) =>
  sendError(res, 405, messages.methodNotAllowed(allowed), tidOf(res), { Allow: allowed });

/** parameter-size-limit (application.conf), as ByteSize writes it. */
const maxParameterSize = '1 MB';

/** A number from the namespace's document, bounded by the system's limit as UserLimits.allowed* do. */
function bounded(own: unknown, fallback: number, bound: (v: number) => number): number {
  return typeof own === 'number' && Number.isFinite(own) ? bound(own) : fallback;
}

/**
 * WhiskLimitsApi's READ: the UserLimits fields in their declared order (spray writes them so),
 * fields the document has and OpenWhisk passes through kept as they are.
 */
export function limitsView(
  throttle: { invocationsPerMinute: number; concurrentInvocations: number; firesPerMinute: number },
  doc: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const kept = (field: string) => (doc[field] === undefined ? {} : { [field]: doc[field] });
  const { memory, logs, timeout, concurrency } = limitRanges;
  const atMost = (max: number) => (v: number) => Math.min(v, max);
  const atLeast = (min: number) => (v: number) => Math.max(v, min);
  return {
    invocationsPerMinute: throttle.invocationsPerMinute,
    concurrentInvocations: throttle.concurrentInvocations,
    firesPerMinute: throttle.firesPerMinute,
    ...kept('allowedKinds'),
    ...kept('storeActivations'),
    minActionMemory: bounded(doc.minActionMemory, memory.min, atLeast(memory.min)),
    maxActionMemory: bounded(doc.maxActionMemory, memory.max, atMost(memory.max)),
    minActionLogs: bounded(doc.minActionLogs, logs.min, atLeast(logs.min)),
    maxActionLogs: bounded(doc.maxActionLogs, logs.max, atMost(logs.max)),
    minActionTimeout: bounded(doc.minActionTimeout, timeout.min, atLeast(timeout.min)),
    maxActionTimeout: bounded(doc.maxActionTimeout, timeout.max, atMost(timeout.max)),
    minActionConcurrency: bounded(doc.minActionConcurrency, concurrency.min, atLeast(concurrency.min)),
    maxActionConcurrency: bounded(doc.maxActionConcurrency, concurrency.max, atMost(concurrency.max)),
    maxParameterSize,
    ...kept('maxPayloadSize'),
    ...kept('truncationSize'),
    ...kept('warmedContainerKeepingCount'),
    ...kept('warmedContainerKeepingTimeout'),
    maxActionInstances: throttle.concurrentInvocations,
  };
}

export function namespaceRoutes(throttles: Pick<Throttles, 'limitsOf'>): Router {
  const router = Router();
  router
    .route('/api/v1/namespaces')
    .get((_req: Request, res: Response) => sendJson(res, 200, [identityOf(res).namespace.name]))
    .all(notAllowed('GET'));
  router
    .route('/api/v1/namespaces/:ns/limits')
    .get((req: Request, res: Response) => {
      const user = identityOf(res);
      resolveNamespace(user, String(req.params.ns));
      sendJson(res, 200, limitsView(throttles.limitsOf(user), user.limits));
    })
    .all(notAllowed('GET'));
  router.all('/api/v1/namespaces/:ns/limits/:entity', () => {
    throw badRequest('Inner entity level routes for limits are not yet implemented.');
  });
  return router;
}
