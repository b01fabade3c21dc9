/**
 * What the sequence runner needs from outside the controller core, as ports: the platform wires
 * them over the stores (src/platform), tests over in-memory maps. The core itself knows no HTTP and
 * no database.
 */
import type { ActionDocument, QualifiedName, Identity, WhiskActivation } from '../protocol/index.js';

export type ResolvedComponent =
  /** The action as the caller may run it: parameters merged (package < binding < action). */
  | { kind: 'found'; action: ActionDocument }
  | { kind: 'missing' }
  /** It exists, but the caller may not read it (another namespace's unpublished entity). */
  | { kind: 'forbidden' };

/**
 * Finds an action by its fully qualified name for a caller. Sequence create checks and the runner
 * use the same resolver, so whatever can be named in a sequence can also be run. A sequence comes
 * back as a document whose `exec.kind` is `sequence`.
 */
export interface ComponentResolver {
  resolve(fqn: QualifiedName, user: Identity): Promise<ResolvedComponent>;
}

/** Stores the controller's own activation records (sequences), create-only. */
export type ActivationWriter = (record: WhiskActivation) => Promise<void>;
