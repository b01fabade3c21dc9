/**
 * What the invoker needs from the databases, and nothing more: read an action document by id and
 * revision (from the whisks database), and store an activation record (in the activations
 * database). The CouchDB adapters are in src/platform/invoker-adapters.ts; tests may supply
 * their own.
 */
import type { ActionDocument, WhiskActivation } from '../protocol/index.js';

/** The document does not exist (OpenWhisk's NoDocumentException). */
export class ActionNotFoundError extends Error {
  constructor(readonly docId: string) {
    super(`action ${docId} does not exist`);
  }
}

/** The document exists but is not a readable action (DocumentUnreadable / DocumentTypeMismatch). */
export class ActionUnreadableError extends Error {
  constructor(
    readonly docId: string,
    reason: string,
  ) {
    super(`action ${docId} cannot be read: ${reason}`);
  }
}

/** The requested revision is gone (OpenWhisk retries with the latest one). */
export class RevisionMismatchError extends Error {
  constructor(
    readonly docId: string,
    readonly rev: string,
  ) {
    super(`action ${docId} has no revision ${rev}`);
  }
}

/** An action with its code as a string: source text, or base64 for a binary (zip) action. */
export type ExecutableAction = ActionDocument & { exec: ActionDocument['exec'] & { code: string } };

export interface ActionSource {
  /**
   * The action `docId` (`<path>/<name>`) at revision `rev`, or the latest one when `rev` is null.
   * Throws ActionNotFoundError, ActionUnreadableError, RevisionMismatchError or a transport error.
   */
  fetchAction(docId: string, rev: string | null): Promise<ExecutableAction>;
}

export interface ActivationSink {
  /** Stores the record as `<namespace>/<activationId>` (entityType activation); may batch. */
  storeActivation(activation: WhiskActivation): Promise<void>;
  /** Writes whatever is batched. */
  flush?(): Promise<void>;
}
