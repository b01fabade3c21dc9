/**
 * Who may read a package, and what an action reached through a package or binding looks like, as
 * OpenWhisk's PackageCollection (entitlement) and WhiskPackage.resolveBinding /
 * WhiskAction.resolveActionAndMergeParameters decide:
 * - a package is readable by its owner, and by everyone once published;
 * - a binding is readable only by its owner, and only while its bound package is readable;
 * - an action in a package carries `package < binding < action` parameters, and its `namespace` is
 *   the path of the package that really holds it (`ns/pkg`), so the invoker finds the document.
 * A non-owner never learns whether an unreadable package exists: 403 either way.
 */
import type { ActionDocument, Identity, KeyValue } from '../protocol/index.js';
import { checkEntityName } from './action-doc.js';
import type { EntityCache } from './cache.js';
import { ApiError, notFound } from './errors.js';
import {
  bindingOf,
  mergeParameters,
  packageMessages,
  type BindingRef,
  type PackageDocument,
} from './package-doc.js';
import type { ActionPort, PackagePort, PackagedActionLookup } from './ports.js';

export interface PackageAccessDeps {
  packages: PackagePort;
  actions: ActionPort;
}

/** A binding chain longer than this is a cycle (bindings to bindings are refused when written). */
const maxBindingDepth = 4;

export const forbiddenOn = (fqname: string): ApiError =>
  new ApiError(403, packageMessages.notAuthorizedOn(fqname));

export function isTypeMismatch(err: unknown): boolean {
  return err instanceof Error && err.name === 'DocumentTypeMismatchError';
}

/** `_` is the caller's namespace; any other valid name is taken as given (access is checked per entity). */
export function pathNamespace(identity: Identity, requested: string): string {
  if (requested === '_') return identity.namespace.name;
  checkEntityName(requested);
  return requested;
}

export function isOwner(identity: Identity, namespace: string): boolean {
  return identity.namespace.name === namespace.split('/')[0];
}

/** The package, or undefined; an id holding another entity answers what OpenWhisk answers the owner. */
async function fetchPackage(
  deps: PackageAccessDeps,
  namespace: string,
  name: string,
): Promise<PackageDocument | undefined | 'mismatch'> {
  try {
    return await deps.packages.get(namespace, name);
  } catch (err) {
    if (isTypeMismatch(err)) return 'mismatch';
    throw err;
  }
}

/** PackageCollection.checkPackageReadPermission. */
async function canRead(
  deps: PackageAccessDeps,
  identity: Identity,
  namespace: string,
  name: string,
  depth = 0,
): Promise<boolean> {
  const owner = isOwner(identity, namespace);
  const pkg = await fetchPackage(deps, namespace, name);
  if (pkg === 'mismatch') {
    if (owner) throw new ApiError(409, packageMessages.conformance);
    return false;
  }
  if (!pkg) {
    if (owner) throw notFound();
    return false;
  }
  const binding = bindingOf(pkg);
  if (!binding) return pkg.publish || owner;
  if (!owner) return false;
  if ((binding.namespace === namespace && binding.name === name) || depth >= maxBindingDepth) {
    throw new ApiError(422, packageMessages.circular(`/${binding.namespace}/${binding.name}`));
  }
  return canRead(deps, identity, binding.namespace, binding.name, depth + 1);
}

/** Throws OpenWhisk's 403 (or 404/409/422 for the owner) unless the caller may read the package. */
export async function checkPackageRead(
  deps: PackageAccessDeps,
  identity: Identity,
  namespace: string,
  name: string,
): Promise<void> {
  if (!(await canRead(deps, identity, namespace, name))) throw forbiddenOn(`${namespace}/${name}`);
}

export interface ResolvedPackage {
  /** The package that holds the actions (the bound one, for a binding). */
  pkg: PackageDocument;
  /** The binding the path named, if it named one. */
  binding?: PackageDocument;
  /** The package's parameters with the binding's over them. */
  parameters: KeyValue[];
}

/** WhiskPackage.resolveBinding(mergeParameters = true); a missing package or bound package is a 404. */
export async function resolvePackage(
  deps: PackageAccessDeps,
  namespace: string,
  name: string,
): Promise<ResolvedPackage> {
  const named = await fetchPackage(deps, namespace, name);
  if (named === 'mismatch') throw new ApiError(409, packageMessages.conformance);
  if (!named) throw notFound();
  let target: BindingRef | undefined = bindingOf(named);
  if (!target) return { pkg: named, parameters: named.parameters };
  const layers: KeyValue[][] = [named.parameters];
  for (let depth = 0; target; depth++) {
    if (depth >= maxBindingDepth) throw new ApiError(422, packageMessages.circular(`/${namespace}/${name}`));
    const pkg = await fetchPackage(deps, target.namespace, target.name);
    if (pkg === 'mismatch' || !pkg) throw notFound();
    layers.unshift(pkg.parameters);
    target = bindingOf(pkg);
    if (!target) return { pkg, binding: named, parameters: mergeParameters(...layers) };
  }
  throw notFound();
}

/** The path the package's actions live under (`ns/pkg`). */
export function packagePath(pkg: Pick<PackageDocument, 'namespace' | 'name'>): string {
  return `${pkg.namespace}/${pkg.name}`;
}

/**
 * The action `{pkg}/{name}` as read or invoked through the path `{namespace}/{pkg}`: access checked,
 * bindings followed, parameters merged (package < binding < action). Undefined when the package is
 * readable but holds no such action.
 */
export async function resolvePackagedAction(
  deps: PackageAccessDeps,
  identity: Identity,
  namespace: string,
  pkgName: string,
  name: string,
): Promise<ActionDocument | undefined> {
  await checkPackageRead(deps, identity, namespace, pkgName);
  const resolved = await resolvePackage(deps, namespace, pkgName);
  const action = await deps.actions.get(packagePath(resolved.pkg), name);
  if (!action) return undefined;
  const merged = { ...action, parameters: mergeParameters(resolved.parameters, action.parameters) };
  // WhiskActionMetaData.binding: the path named, when it named a binding (the record's annotation).
  return resolved.binding ? { ...merged, binding: `${namespace}/${pkgName}` } : merged;
}

/**
 * The invoke path's lookup of packaged actions, cached like default-package actions (a short TTL
 * bounds how long another replica's writes stay unseen). Keyed by caller too: access depends on
 * who asks. `invalidate` after any package or packaged-action write on this replica.
 */
export function cachedPackagedLookup(
  deps: PackageAccessDeps,
  cache: EntityCache<ActionDocument>,
): {
  lookup: PackagedActionLookup;
  invalidate: () => void;
} {
  return {
    lookup: (identity, namespace, pkg, name) => {
      checkEntityName(pkg);
      return cache.load(`${identity.namespace.name}|${namespace}/${pkg}/${name}`, () =>
        resolvePackagedAction(deps, identity, namespace, pkg, name),
      );
    },
    invalidate: () => cache.clear(),
  };
}
