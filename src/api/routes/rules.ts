/**
 * Rules (OpenWhisk's Rules.scala): `PUT|GET|DELETE /api/v1/namespaces/{ns}/rules/{name}`, the list,
 * and `POST .../rules/{name}` with `{"status": "active"|"inactive"}` to enable or disable.
 *
 * A rule's status lives in its trigger's `rules` map (ReducedRule), so every rule write is two
 * document writes. The order keeps a failure from leaving half a rule behind: the rule is written
 * first (create-only, so a racing create loses with 409 before anything else changes), then the
 * trigger's link; if the link cannot be written the new rule is deleted again. A rule whose trigger
 * or action does not exist is a 400 before anything is written.
 */
import { Router, type Request, type Response } from 'express';
import type { Identity } from '../../protocol/index.js';
import type { ActionResolver } from '../action-resolver.js';
import { resolveNamespace } from '../auth.js';
import { actionBodyLimit, readJsonBody } from '../body.js';
import { identityOf, tidOf } from '../context.js';
import { ApiError, badRequest, messages, notFound, sendError } from '../errors.js';
import type { RulePort, TriggerPort } from '../ports.js';
import { boolParam, pageParams } from '../query.js';
import {
  createRuleDocument,
  fqnString,
  parseBody,
  parseStatusRequest,
  ruleJson,
  ruleKey,
  ruleMessages,
  rulePutSchema,
  ruleStatusIn,
  ruleTargetOf,
  ruleWithStatus,
  updateRuleDocument,
  withoutRule,
  withRule,
  type EntityRef,
  type RuleDocument,
  type RuleStatus,
  type TriggerDocument,
} from '../trigger-rule-doc.js';
import { entityTarget, isWriteConflict, readEntity, readReferenced } from './whisk-entities.js';

export interface RuleRoutesDeps {
  rules: RulePort;
  triggers: TriggerPort;
  actions: ActionResolver;
  now?: () => number;
}

const notAllowed = (allowed: string) => (_req: Request, res: Response) =>
  sendError(res, 405, messages.methodNotAllowed(allowed), tidOf(res), { Allow: allowed });

/** Attempts at a read-modify-write of a trigger that another writer keeps changing. */
const triggerWriteAttempts = 5;

export function ruleRoutes(deps: RuleRoutesDeps): Router {
  const now = deps.now ?? Date.now;
  const router = Router();

  /** A trigger is its owner's alone: a reference into another namespace is refused (entitlement). */
  async function referencedTrigger(identity: Identity, ref: EntityRef): Promise<TriggerDocument | undefined> {
    const [namespace, ...pkg] = ref.path.split('/');
    if (namespace !== identity.namespace.name) throw new ApiError(403, messages.notAuthorized);
    if (pkg.length > 0) return undefined;
    return readReferenced(deps.triggers, namespace, ref.name);
  }

  /** Rules.checkTriggerAndActionExist: both must be there (400 naming the missing one). */
  async function checkReferences(identity: Identity, trigger: EntityRef, action: EntityRef): Promise<void> {
    const [triggerDoc, actionDoc] = await Promise.all([
      referencedTrigger(identity, trigger),
      deps.actions.resolve(identity, action),
    ]);
    if (!triggerDoc) throw badRequest(ruleMessages.triggerMissing(fqnString(trigger)));
    if (!actionDoc) throw badRequest(ruleMessages.actionMissing(fqnString(action)));
  }

  /** Reads the trigger, applies `change`, writes it; retried when another writer changed it meanwhile. */
  async function changeTrigger(
    ref: EntityRef,
    change: (trigger: TriggerDocument) => TriggerDocument,
  ): Promise<'changed' | 'missing'> {
    for (let attempt = 1; ; attempt++) {
      const trigger = await readReferenced(deps.triggers, ref.path, ref.name);
      if (!trigger) return 'missing';
      try {
        await deps.triggers.put(change(trigger));
        return 'changed';
      } catch (err) {
        if (!isWriteConflict(err) || attempt >= triggerWriteAttempts) throw err;
      }
    }
  }

  async function statusOf(rule: RuleDocument): Promise<RuleStatus> {
    const trigger = await readReferenced(deps.triggers, rule.trigger.path, rule.trigger.name);
    return ruleStatusIn(trigger, ruleKey(rule));
  }

  async function put(req: Request, res: Response): Promise<void> {
    const identity = identityOf(res);
    const { namespace, name } = entityTarget(req, res);
    const overwrite = boolParam(req, 'overwrite', false);
    const body = parseBody(rulePutSchema, await readJsonBody(req, actionBodyLimit), 'rule');
    const existing = await readEntity(deps.rules, namespace, name);
    if (existing && !overwrite) throw new ApiError(409, messages.conflict);
    const target = ruleTargetOf(body, identity.namespace.name, existing);
    await checkReferences(identity, target.trigger, target.action);

    const key = ruleKey({ namespace, name });
    const status: RuleStatus = existing ? await statusOf(existing) : 'active';
    const doc = existing
      ? updateRuleDocument(existing, body, target, now())
      : createRuleDocument(namespace, name, body, target, now());
    let stored: RuleDocument;
    try {
      stored = await deps.rules.put(doc);
    } catch (err) {
      if (isWriteConflict(err))
        throw new ApiError(409, existing ? ruleMessages.concurrent : messages.conflict);
      throw err;
    }
    try {
      const link = { action: target.action, status };
      if (existing && fqnString(existing.trigger) !== fqnString(target.trigger)) {
        await changeTrigger(existing.trigger, (t) => withoutRule(t, key));
      }
      if ((await changeTrigger(target.trigger, (t) => withRule(t, key, link))) === 'missing') {
        throw badRequest(ruleMessages.triggerMissing(fqnString(target.trigger)));
      }
    } catch (err) {
      // The trigger went away or kept changing: a new rule must not stay without its link. Should
      // the delete fail too, the rule is harmless: without a link it is inactive and fires nothing.
      if (!existing) await deps.rules.delete(stored).catch(() => undefined);
      if (isWriteConflict(err)) throw new ApiError(409, ruleMessages.concurrent);
      throw err;
    }
    res.json(ruleWithStatus(stored, status));
  }

  async function get(req: Request, res: Response): Promise<void> {
    const { namespace, name } = entityTarget(req, res);
    const rule = await readEntity(deps.rules, namespace, name);
    if (!rule) throw notFound();
    res.json(ruleWithStatus(rule, await statusOf(rule)));
  }

  async function remove(req: Request, res: Response): Promise<void> {
    const { namespace, name } = entityTarget(req, res);
    const rule = await readEntity(deps.rules, namespace, name);
    if (!rule) throw notFound();
    try {
      await changeTrigger(rule.trigger, (t) => withoutRule(t, ruleKey(rule)));
      await deps.rules.delete(rule);
    } catch (err) {
      if (isWriteConflict(err)) throw new ApiError(409, ruleMessages.concurrent);
      throw err;
    }
    res.json(ruleWithStatus(rule, 'inactive'));
  }

  /** Rules.activate: 200 "OK" when the rule is (now) in the requested state. */
  async function setStatus(req: Request, res: Response): Promise<void> {
    const { namespace, name } = entityTarget(req, res);
    const requested = parseStatusRequest(await readJsonBody(req, actionBodyLimit));
    const rule = await readEntity(deps.rules, namespace, name);
    if (!rule) throw notFound();
    const key = ruleKey(rule);
    if ((await statusOf(rule)) !== requested) {
      let outcome: 'changed' | 'missing';
      try {
        outcome = await changeTrigger(rule.trigger, (t) =>
          withRule(t, key, { action: rule.action, status: requested }),
        );
      } catch (err) {
        if (isWriteConflict(err)) throw new ApiError(409, ruleMessages.concurrent);
        throw err;
      }
      if (outcome === 'missing') throw new ApiError(404, ruleMessages.onlyExistingTriggers);
    }
    // akka-http's complete(OK): the status's default message as text.
    res.status(200).type('text/plain').send('OK');
  }

  async function list(req: Request, res: Response): Promise<void> {
    const namespace = resolveNamespace(identityOf(res), String(req.params.ns));
    if (boolParam(req, 'count', false)) {
      res.json({ rules: await deps.rules.count(namespace) });
      return;
    }
    const docs = await deps.rules.listDocs(namespace, pageParams(req, 'rules'));
    res.json(docs.map(ruleJson));
  }

  router.route('/api/v1/namespaces/:ns/rules').get(list).all(notAllowed('GET'));
  router
    .route('/api/v1/namespaces/:ns/rules/:name')
    .get(get)
    .put(put)
    .delete(remove)
    .post(setStatus)
    .all(notAllowed('GET, PUT, DELETE, POST'));
  return router;
}
