/**
 * Packages and bindings: `GET /api/v1/namespaces/{ns}/packages` and
 * `PUT|GET|DELETE /api/v1/namespaces/{ns}/packages/{name}`, with OpenWhisk's Packages.scala
 * semantics, statuses and messages:
 * - list: the caller's own namespace shows its packages and bindings; another namespace shows only
 *   its published packages;
 * - get: a binding answers with the bound package's parameters under its own, and the actions
 *   (and feeds) of the bound package, which is what `wsk package get --summary` prints;
 * - put: a binding's target must exist, be readable and not be a binding itself; a package never
 *   becomes a binding; nothing is written unless every check passed;
 * - delete: a package that still holds actions is a 409 unless `?force=true`.
 */
import { Router, type Request, type Response } from 'express';
import { checkEntityName } from '../action-doc.js';
import { invokePayloadLimit, readJsonBody } from '../body.js';
import { identityOf, tidOf } from '../context.js';
import { ApiError, badRequest, messages, notFound, sendError } from '../errors.js';
import {
  checkPackageRead,
  forbiddenOn,
  isOwner,
  isTypeMismatch,
  packagePath,
  pathNamespace,
  resolvePackage,
  type PackageAccessDeps,
} from '../package-access.js';
import {
  bindingOf,
  createPackageDocument,
  packageJson,
  packageMessages,
  parsePackagePut,
  reservedPackageNames,
  updatePackageDocument,
  withPackageActions,
  type BindingRef,
  type PackageDocument,
} from '../package-doc.js';
import type { Identity } from '../../protocol/index.js';
import { boolParam, pageParams } from '../query.js';

export interface PackageRoutesDeps extends PackageAccessDeps {
  /** After every package write (cached lookups of packaged actions may have changed). */
  onWrite: () => void;
  now?: () => number;
}

const everything = { limit: 0, skip: 0 } as const;
const concurrentModification = 'Concurrent modification to resource detected.';

function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function notAllowed(allowed: string) {
  return (_req: Request, res: Response) =>
    sendError(res, 405, messages.methodNotAllowed(allowed), tidOf(res), { Allow: allowed });
}

/** `{ns}` and `{name}` of a package route, checked. */
function packageTarget(req: Request, res: Response): { identity: Identity; namespace: string; name: string } {
  const identity = identityOf(res);
  const namespace = pathNamespace(identity, String(req.params.ns));
  const name = String(req.params.name);
  checkEntityName(name);
  return { identity, namespace, name };
}

async function getPackage(deps: PackageAccessDeps, namespace: string, name: string) {
  try {
    return await deps.packages.get(namespace, name);
  } catch (err) {
    if (isTypeMismatch(err)) throw new ApiError(409, packageMessages.conformance);
    throw err;
  }
}

/** The entitlement check on a binding's target (rewritten as Packages.rewriteEntitlementFailure), then checkBinding. */
async function checkBindingTarget(
  deps: PackageAccessDeps,
  identity: Identity,
  ref: BindingRef,
): Promise<void> {
  try {
    await checkPackageRead(deps, identity, ref.namespace, ref.name);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw badRequest(packageMessages.bindingDoesNotExist);
    if (err instanceof ApiError && err.status === 409)
      throw new ApiError(409, packageMessages.requestedBindingIsNotValid);
    throw err;
  }
  let target: PackageDocument | undefined;
  try {
    target = await deps.packages.get(ref.namespace, ref.name);
  } catch (err) {
    if (isTypeMismatch(err)) throw new ApiError(409, packageMessages.requestedBindingIsNotValid);
    throw err;
  }
  if (!target) throw badRequest(packageMessages.bindingDoesNotExist);
  if (bindingOf(target)) throw badRequest(packageMessages.bindingCannotReferenceBinding);
}

export function packageRoutes(deps: PackageRoutesDeps): Router {
  const now = deps.now ?? Date.now;
  const router = Router();

  router
    .route('/api/v1/namespaces/:ns/packages')
    .get(async (req: Request, res: Response) => {
      const identity = identityOf(res);
      const namespace = pathNamespace(identity, String(req.params.ns));
      // `public` is checked as a boolean and otherwise ignored, as Packages.list does: one's own
      // list always includes one's published packages, another namespace's shows only those.
      boolParam(req, 'public', false);
      const publicOnly = !isOwner(identity, namespace);
      if (boolParam(req, 'count', false)) {
        res.json({ packages: await deps.packages.count(namespace, publicOnly) });
        return;
      }
      const page = pageParams(req, 'packages');
      res.json(await deps.packages.list(namespace, { ...page, publicOnly }));
    })
    .all(notAllowed('GET'));

  router
    .route('/api/v1/namespaces/:ns/packages/:name')
    .get(async (req: Request, res: Response) => {
      const { identity, namespace, name } = packageTarget(req, res);
      await checkPackageRead(deps, identity, namespace, name);
      const resolved = await resolvePackage(deps, namespace, name);
      const shown = resolved.binding
        ? { ...packageJson(resolved.binding), parameters: resolved.parameters }
        : packageJson(resolved.pkg);
      const actions = await deps.actions.list(packagePath(resolved.pkg), everything);
      res.json(withPackageActions(shown, actions));
    })
    .put(async (req: Request, res: Response) => {
      const { identity, namespace, name } = packageTarget(req, res);
      if (!isOwner(identity, namespace)) throw forbiddenOn(`${namespace}/${name}`);
      if (reservedPackageNames.has(name)) throw badRequest(packageMessages.reserved(name));
      const overwrite = boolParam(req, 'overwrite', false);
      const put = parsePackagePut(await readJsonBody(req, invokePayloadLimit), identity.namespace.name);
      if (put.binding) await checkBindingTarget(deps, identity, put.binding);
      const existing = await getPackage(deps, namespace, name);
      if (existing && !overwrite) throw new ApiError(409, messages.conflict);
      const doc = existing
        ? updatePackageDocument(existing, put, now())
        : createPackageDocument(namespace, name, put, now());
      let stored: PackageDocument;
      try {
        stored = await deps.packages.put(doc);
      } catch (err) {
        if (statusOf(err) === 409)
          throw new ApiError(409, existing ? concurrentModification : messages.conflict);
        throw err;
      } finally {
        deps.onWrite();
      }
      res.json(packageJson(stored));
    })
    .delete(async (req: Request, res: Response) => {
      const { identity, namespace, name } = packageTarget(req, res);
      if (!isOwner(identity, namespace)) throw forbiddenOn(`${namespace}/${name}`);
      const force = boolParam(req, 'force', false);
      const doc = await getPackage(deps, namespace, name);
      if (!doc) throw notFound();
      try {
        if (!bindingOf(doc)) {
          const path = packagePath(doc);
          const inside = await deps.actions.list(path, everything);
          if (inside.length > 0 && !force) throw new ApiError(409, packageMessages.notEmpty(inside.length));
          for (const meta of inside) {
            const action = await deps.actions.get(path, meta.name);
            if (action) await deps.actions.delete(action);
          }
        }
        await deps.packages.delete(doc);
      } catch (err) {
        if (statusOf(err) === 409) throw new ApiError(409, concurrentModification);
        throw err;
      } finally {
        deps.onWrite();
      }
      res.json(packageJson(doc));
    })
    .all(notAllowed('GET, PUT, DELETE'));

  return router;
}
