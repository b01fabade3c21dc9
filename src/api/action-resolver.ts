/**
 * From a rule's fully qualified action name to the action document a fire invokes, for a caller:
 * the seam where packages plug in. Today's implementation knows only the default package
 * (`ns/action`); a packaged name (`ns/pkg/action`, e.g. `/whisk.system/utils/echo`) is answered by
 * the `packaged` lookup when one is given (the packages work's `resolvePackagedAction`, which
 * checks access, follows bindings and merges `package < binding < action` parameters), else it is
 * not found.
 */
import type { ActionDocument, Identity } from '../protocol/index.js';
import { ApiError, messages } from './errors.js';
import type { ActionPort } from './ports.js';
import type { EntityRef } from './trigger-rule-doc.js';

export interface ActionResolver {
  /**
   * The action with its parameters merged as an invocation would see them, or undefined when there
   * is none. Throws ApiError 403 when the caller may not read it.
   */
  resolve(identity: Identity, action: EntityRef): Promise<ActionDocument | undefined>;
}

/** `ns/pkg` + `name` as the packages work resolves it (throws its own 403/404s). */
export type PackagedActionLookup = (
  identity: Identity,
  namespace: string,
  pkg: string,
  name: string,
) => Promise<ActionDocument | undefined>;

function isTypeMismatch(err: unknown): boolean {
  return err instanceof Error && err.name === 'DocumentTypeMismatchError';
}

export function storeActionResolver(actions: ActionPort, packaged?: PackagedActionLookup): ActionResolver {
  return {
    async resolve(identity, ref) {
      const [namespace = '', pkg, ...deeper] = ref.path.split('/');
      if (deeper.length > 0) return undefined;
      if (pkg !== undefined) return packaged ? packaged(identity, namespace, pkg, ref.name) : undefined;
      // A default-package action is its owner's alone (OpenWhisk's entitlement for actions).
      if (namespace !== identity.namespace.name) throw new ApiError(403, messages.notAuthorized);
      try {
        return await actions.get(namespace, ref.name);
      } catch (err) {
        // The name holds a trigger, rule or package: there is no such action.
        if (isTypeMismatch(err)) return undefined;
        throw err;
      }
    },
  };
}
