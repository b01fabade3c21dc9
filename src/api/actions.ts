/**
 * Actions: `PUT|GET|DELETE /api/v1/namespaces/{ns}/actions/{name}` and the list
 * `GET /api/v1/namespaces/{ns}/actions`. Actions in packages (`{pkg}/{name}`) are served by
 * routes/packaged-actions.ts, which reuses `putAt` and `deleteAt`. Every write invalidates the
 * invoke path's action caches.
 */
import type { Request, Response } from 'express';
import type { ComponentResolver } from '../controller/sequence-ports.js';
import type { ActionDocument } from '../protocol/index.js';
import { resolveNamespace } from './auth.js';
import { actionBodyLimit, readJsonBody } from './body.js';
import type { EntityCache } from './cache.js';
import {
  checkEntityName,
  actionJson,
  createActionDocument,
  parseActionPut,
  updateActionDocument,
} from './action-doc.js';
import { identityOf } from './context.js';
import { ApiError, messages, notFound } from './errors.js';
import type { ActionPort } from './ports.js';
import { checkSequencePut, resolveSequencePut } from './sequence-doc.js';
import { actionKey } from './invoke.js';
import { boolParam, pageParams } from './query.js';

export interface ActionRoutesDeps {
  actions: ActionPort;
  cache: EntityCache<ActionDocument>;
  /** Called after every write (the packaged-action lookup keeps its own cache). */
  onWrite?: () => void;
  /** Finds sequence components for the create checks. */
  components: ComponentResolver;
  now?: () => number;
}

/** `{ns}` and `{name}` of an action route, checked and resolved against the caller. */
export function actionTarget(req: Request, res: Response): { namespace: string; name: string } {
  const namespace = resolveNamespace(identityOf(res), String(req.params.ns));
  const name = String(req.params.name);
  checkEntityName(name);
  return { namespace, name };
}

function isConflict(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { statusCode?: unknown; name?: unknown };
  return e.statusCode === 409 || e.name === 'ActionExistsError';
}

export function actionRoutes(deps: ActionRoutesDeps) {
  const now = deps.now ?? Date.now;

  /** Create or update `{namespace}/{name}`; `namespace` may be a package path (`ns/pkg`). */
  async function putAt(req: Request, res: Response, namespace: string, name: string): Promise<void> {
    const overwrite = boolParam(req, 'overwrite', false);
    const identity = identityOf(res);
    const put = resolveSequencePut(parseActionPut(await readJsonBody(req, actionBodyLimit)), identity);
    const existing = await deps.actions.get(namespace, name);
    if (existing && !overwrite) throw new ApiError(409, messages.conflict);
    await checkSequencePut(put, { namespace, name }, identity, deps.components);
    const doc = existing
      ? updateActionDocument(existing, put, now())
      : createActionDocument(namespace, name, put, now());
    let stored: ActionDocument;
    try {
      stored = await deps.actions.put(doc);
    } catch (err) {
      // Another writer got there first (create) or changed it meanwhile (update).
      if (isConflict(err)) throw new ApiError(409, messages.conflict);
      throw err;
    } finally {
      deps.cache.delete(actionKey(namespace, name));
      deps.onWrite?.();
    }
    res.json(actionJson(stored));
  }

  async function deleteAt(res: Response, namespace: string, name: string): Promise<void> {
    const doc = await deps.actions.get(namespace, name);
    if (!doc) throw notFound();
    try {
      await deps.actions.delete(doc);
    } catch (err) {
      if (isConflict(err)) throw new ApiError(409, 'Concurrent modification to resource detected.');
      throw err;
    } finally {
      deps.cache.delete(actionKey(namespace, name));
      deps.onWrite?.();
    }
    res.json(actionJson(doc));
  }

  return {
    putAt,
    deleteAt,

    async put(req: Request, res: Response): Promise<void> {
      const { namespace, name } = actionTarget(req, res);
      await putAt(req, res, namespace, name);
    },

    async get(req: Request, res: Response): Promise<void> {
      const { namespace, name } = actionTarget(req, res);
      const includeCode = boolParam(req, 'code', true);
      const doc = await deps.actions.get(namespace, name);
      if (!doc) throw notFound();
      res.json(actionJson(doc, includeCode));
    },

    async delete(req: Request, res: Response): Promise<void> {
      const { namespace, name } = actionTarget(req, res);
      await deleteAt(res, namespace, name);
    },

    async list(req: Request, res: Response): Promise<void> {
      const namespace = resolveNamespace(identityOf(res), String(req.params.ns));
      if (boolParam(req, 'count', false)) {
        res.json({ actions: await deps.actions.count(namespace) });
        return;
      }
      const page = pageParams(req, 'actions');
      res.json(await deps.actions.list(namespace, page));
    },
  };
}
