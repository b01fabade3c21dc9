/**
 * From a rule's fully qualified action name to the action document a fire invokes, for a caller:
 * an action in the default package (`ns/action`) is read here; a packaged name (`ns/pkg/action`,
 * e.g. `/whisk.system/utils/echo`) is answered by the `packaged` lookup (package-access.ts, which
 * checks access, follows bindings and merges `package < binding < action` parameters). Without
 * that lookup (unit tests of the fire path alone) a packaged name is not found.
 */
import type { ActionDocument, Identity } from '../protocol/index.js';
import type { EntityCache } from './cache.js';
import { ApiError, messages } from './errors.js';
import { actionKey } from './invoke.js';
import type { ActionPort, PackagedActionLookup } from './ports.js';
import type { EntityRef } from './trigger-rule-doc.js';

export interface ActionResolver {
  /**
   * The action with its parameters merged as an invocation would see them, or undefined when there
   * is none. Throws ApiError 403 when the caller may not read it.
   */
  resolve(identity: Identity, action: EntityRef): Promise<ActionDocument | undefined>;
}

function isTypeMismatch(err: unknown): boolean {
  return err instanceof Error && err.name === 'DocumentTypeMismatchError';
}

/**
 * `cache` is the invoke path's short-lived action cache (this replica's action writes invalidate
 * it), so a busy trigger costs no CouchDB read per fire.
 */
export function storeActionResolver(
  actions: ActionPort,
  packaged?: PackagedActionLookup,
  cache?: EntityCache<ActionDocument>,
): ActionResolver {
  return {
    async resolve(identity, ref) {
      const [namespace = '', pkg, ...deeper] = ref.path.split('/');
      if (deeper.length > 0) return undefined;
      if (pkg !== undefined) return packaged ? packaged(identity, namespace, pkg, ref.name) : undefined;
      // A default-package action is its owner's alone (OpenWhisk's entitlement for actions).
      if (namespace !== identity.namespace.name) throw new ApiError(403, messages.notAuthorized);
      try {
        const read = () => actions.get(namespace, ref.name);
        return await (cache ? cache.load(actionKey(namespace, ref.name), read) : read());
      } catch (err) {
        // The name holds a trigger, rule or package: there is no such action.
        if (isTypeMismatch(err)) return undefined;
        throw err;
      }
    },
  };
}
