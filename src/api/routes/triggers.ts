/**
 * Triggers (OpenWhisk's Triggers.scala): `PUT|GET|DELETE|POST /api/v1/namespaces/{ns}/triggers/{name}`
 * and the list `GET /api/v1/namespaces/{ns}/triggers`. POST fires: 202 `{activationId}` when some rule
 * is active (the rules' actions start in the background, trigger-firing.ts), 204 when none is.
 * A `feed` annotation is stored as given and nothing else is done with it (R19): `wsk` itself
 * invokes the feed action and deletes the trigger when that fails.
 */
import { Router, type Request, type Response } from 'express';
import { ColorError } from '../../balancer/color.js';
import { actionBodyLimit, invokePayloadLimit, readJsonBody } from '../body.js';
import { context, identityOf, tidOf } from '../context.js';
import { ApiError, badRequest, messages, notFound, sendError, sendJson } from '../errors.js';
import { activationIdHeader } from '../invoke.js';
import type { TriggerPort } from '../ports.js';
import { boolParam, pageParams } from '../query.js';
import type { FirePayload } from '../trigger-fire.js';
import type { triggerFirer } from '../trigger-firing.js';
import {
  createTriggerDocument,
  parseBody,
  ruleMessages,
  triggerJson,
  triggerPutSchema,
  updateTriggerDocument,
  type TriggerDocument,
} from '../trigger-rule-doc.js';
import { entityTarget, isWriteConflict, readEntity } from './whisk-entities.js';
import { resolveNamespace } from '../auth.js';
import type { Identity } from '../../protocol/index.js';

export interface TriggerRoutesDeps {
  triggers: TriggerPort;
  firer: ReturnType<typeof triggerFirer>;
  /** Fires per minute (throttles.ts): throws the 429 when the caller may fire no more this minute. */
  admitFire(user: Identity): void;
  now?: () => number;
}

const notAllowed = (allowed: string) => (_req: Request, res: Response) =>
  sendError(res, 405, messages.methodNotAllowed(allowed), tidOf(res), { Allow: allowed });

/** Triggers.activate reads `Option[JsObject]`: nothing, or an object. */
function firePayloadOf(body: unknown): FirePayload | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request content was malformed:\nthe payload must be a JSON object.');
  }
  return body as FirePayload;
}

export function triggerRoutes(deps: TriggerRoutesDeps): Router {
  const now = deps.now ?? Date.now;
  const router = Router();

  async function put(req: Request, res: Response): Promise<void> {
    const { namespace, name } = entityTarget(req, res);
    const overwrite = boolParam(req, 'overwrite', false);
    const body = parseBody(triggerPutSchema, await readJsonBody(req, actionBodyLimit), 'trigger');
    const existing = await readEntity(deps.triggers, namespace, name);
    if (existing && !overwrite) throw new ApiError(409, messages.conflict);
    const doc: TriggerDocument = existing
      ? updateTriggerDocument(existing, body, now())
      : createTriggerDocument(namespace, name, body, now());
    try {
      res.json(triggerJson(await deps.triggers.put(doc)));
    } catch (err) {
      if (isWriteConflict(err))
        throw new ApiError(409, existing ? ruleMessages.concurrent : messages.conflict);
      throw err;
    }
  }

  async function get(req: Request, res: Response): Promise<void> {
    const { namespace, name } = entityTarget(req, res);
    const doc = await readEntity(deps.triggers, namespace, name);
    if (!doc) throw notFound();
    res.json(triggerJson(doc));
  }

  async function remove(req: Request, res: Response): Promise<void> {
    const { namespace, name } = entityTarget(req, res);
    const doc = await readEntity(deps.triggers, namespace, name);
    if (!doc) throw notFound();
    try {
      await deps.triggers.delete(doc);
    } catch (err) {
      if (isWriteConflict(err)) throw new ApiError(409, ruleMessages.concurrent);
      throw err;
    }
    res.json(triggerJson(doc));
  }

  async function fire(req: Request, res: Response): Promise<void> {
    const { namespace, name } = entityTarget(req, res);
    // OpenWhisk checks the fire rate (entitlement) before it reads the trigger.
    deps.admitFire(identityOf(res));
    const payload = firePayloadOf(await readJsonBody(req, invokePayloadLimit));
    const trigger = await readEntity(deps.triggers, namespace, name);
    if (!trigger) throw notFound();
    let fired;
    try {
      fired = deps.firer.fire({
        transid: context(res).transid,
        user: identityOf(res),
        trigger,
        payload,
        headers: req.headers,
      });
    } catch (err) {
      if (err instanceof ColorError) throw badRequest(err.message);
      throw err;
    }
    if (!fired) {
      res.status(204).end();
      return;
    }
    sendJson(res, 202, { activationId: fired.activationId }, { [activationIdHeader]: fired.activationId });
  }

  async function list(req: Request, res: Response): Promise<void> {
    const namespace = resolveNamespace(identityOf(res), String(req.params.ns));
    if (boolParam(req, 'count', false)) {
      res.json({ triggers: await deps.triggers.count(namespace) });
      return;
    }
    res.json(await deps.triggers.list(namespace, pageParams(req, 'triggers')));
  }

  router.route('/api/v1/namespaces/:ns/triggers').get(list).all(notAllowed('GET'));
  router
    .route('/api/v1/namespaces/:ns/triggers/:name')
    .get(get)
    .put(put)
    .delete(remove)
    .post(fire)
    .all(notAllowed('GET, PUT, DELETE, POST'));
  return router;
}
