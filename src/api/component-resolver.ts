/**
 * The sequence component resolver (src/controller/sequence-ports.ts) over the API's ports: an
 * action in the caller's default package, or an action in a package or binding (`/ns/pkg/name`,
 * parameters merged by the packaged lookup; without one, as in unit tests of sequences alone, it
 * is not found). Another namespace's
 * default package is never readable (OpenWhisk's entitlement), so it is `forbidden`.
 */
import type { ComponentResolver, ResolvedComponent } from '../controller/sequence-ports.js';
import type { ActionDocument } from '../protocol/index.js';
import { ApiError } from './errors.js';
import type { ActionPort, PackagedActionLookup } from './ports.js';

/** The id holds a package or another entity, not an action. */
function isTypeMismatch(err: unknown): boolean {
  return err instanceof Error && err.name === 'DocumentTypeMismatchError';
}

async function found(read: () => Promise<ActionDocument | undefined>): Promise<ResolvedComponent> {
  try {
    const action = await read();
    return action ? { kind: 'found', action } : { kind: 'missing' };
  } catch (err) {
    if (isTypeMismatch(err)) return { kind: 'missing' };
    if (err instanceof ApiError && err.status === 404) return { kind: 'missing' };
    if (err instanceof ApiError && err.status === 403) return { kind: 'forbidden' };
    throw err;
  }
}

export function componentResolver(actions: ActionPort, packaged?: PackagedActionLookup): ComponentResolver {
  return {
    resolve(fqn, user) {
      if (fqn.pkg !== undefined) {
        const pkg = fqn.pkg;
        if (!packaged) return Promise.resolve({ kind: 'missing' });
        return found(() => packaged(user, fqn.namespace, pkg, fqn.name));
      }
      if (fqn.namespace !== user.namespace.name) return Promise.resolve({ kind: 'forbidden' });
      return found(() => actions.get(fqn.namespace, fqn.name));
    },
  };
}
