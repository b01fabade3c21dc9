/**
 * Actions inside packages (OpenWhisk's Actions.scala innerRoutes for `{pkg}/{name}`):
 * - `GET /api/v1/namespaces/{ns}/actions/{pkg}/` lists the package's actions (a binding lists its
 *   bound package's, whose namespace they keep);
 * - `GET|POST /actions/{pkg}/{name}` read and invoke through a package or binding the caller may
 *   read (its own, or another namespace's published package), with the parameters merged
 *   package < binding < action (< invocation, on invoke);
 * - `PUT|DELETE /actions/{pkg}/{name}` are the owner's only and refused on a binding.
 * The router is strict, so `/actions/{pkg}/` is not taken for the action `{pkg}`.
 */
import { Router, type Request, type Response } from 'express';
import { checkEntityName, actionJson } from '../action-doc.js';
import type { actionRoutes } from '../actions.js';
import { context, identityOf } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import type { InvokeHandler } from '../invoke.js';
import {
  checkPackageRead,
  forbiddenOn,
  isOwner,
  packagePath,
  pathNamespace,
  resolvePackage,
  resolvePackagedAction,
  type PackageAccessDeps,
} from '../package-access.js';
import { bindingOf, packageMessages } from '../package-doc.js';
import type { Identity } from '../../protocol/index.js';
import { boolParam, pageParams } from '../query.js';
import { notAllowed } from './packages.js';

export interface PackagedActionRoutesDeps extends PackageAccessDeps {
  /** The default-package action routes: create, update and delete are the same, under `ns/pkg`. */
  actionRoutes: ReturnType<typeof actionRoutes>;
  invoke: InvokeHandler;
}

interface PackagedTarget {
  identity: Identity;
  namespace: string;
  pkg: string;
  name: string;
}

function target(req: Request, res: Response): PackagedTarget {
  const identity = identityOf(res);
  const namespace = pathNamespace(identity, String(req.params.ns));
  const pkg = String(req.params.pkg);
  const name = String(req.params.name);
  checkEntityName(pkg);
  checkEntityName(name);
  return { identity, namespace, pkg, name };
}

/** PUT and DELETE: the owner's, in a package that exists and is not a binding. */
async function writablePackagePath(deps: PackageAccessDeps, t: PackagedTarget): Promise<string> {
  if (!isOwner(t.identity, t.namespace)) throw forbiddenOn(`${t.namespace}/${t.pkg}/${t.name}`);
  const resolved = await resolvePackage(deps, t.namespace, t.pkg);
  if (resolved.binding || bindingOf(resolved.pkg)) throw badRequest(packageMessages.notAllowedOnBinding);
  return packagePath(resolved.pkg);
}

export function packagedActionRoutes(deps: PackagedActionRoutesDeps): Router {
  const router = Router({ strict: true });

  router
    .route('/api/v1/namespaces/:ns/actions/:pkg/')
    .get(async (req: Request, res: Response) => {
      const identity = identityOf(res);
      const namespace = pathNamespace(identity, String(req.params.ns));
      const pkg = String(req.params.pkg);
      checkEntityName(pkg);
      await checkPackageRead(deps, identity, namespace, pkg);
      const resolved = await resolvePackage(deps, namespace, pkg);
      const path = packagePath(resolved.pkg);
      if (boolParam(req, 'count', false)) {
        res.json({ actions: await deps.actions.count(path) });
        return;
      }
      res.json(await deps.actions.list(path, pageParams(req, 'actions')));
    })
    .all(notAllowed('GET'));

  router
    .route('/api/v1/namespaces/:ns/actions/:pkg/:name')
    .get(async (req: Request, res: Response) => {
      const t = target(req, res);
      const includeCode = boolParam(req, 'code', true);
      const action = await resolvePackagedAction(deps, t.identity, t.namespace, t.pkg, t.name);
      if (!action) throw notFound();
      res.json(actionJson(action, includeCode));
    })
    .put(async (req: Request, res: Response) => {
      const t = target(req, res);
      await deps.actionRoutes.putAt(req, res, await writablePackagePath(deps, t), t.name);
    })
    .delete(async (req: Request, res: Response) => {
      const t = target(req, res);
      await deps.actionRoutes.deleteAt(res, await writablePackagePath(deps, t), t.name);
    })
    .post(async (req: Request, res: Response) => {
      // The invoke handler resolves and checks the path's names, for the fast path alike.
      await deps.invoke(req, res, {
        transid: context(res).transid,
        identity: identityOf(res),
        namespace: String(req.params.ns),
        pkg: String(req.params.pkg),
        name: String(req.params.name),
      });
    })
    .all(notAllowed('GET, PUT, DELETE, POST'));

  return router;
}
