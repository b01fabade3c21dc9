/**
 * The invoker's database ports over CouchDB. They live with the composition root, as the API's do:
 * src/invoker knows only the wire and its own ports, never src/store. Actions are read straight from the whisks database
 * because the invoker needs what the action store does not offer: a read at a given revision, and
 * code stored as an attachment. As OpenWhisk's invoker does, documents read at a known revision
 * are cached (a revision never changes), and a read without revision always goes to the database.
 *
 * Code forms (OpenWhisk's Exec serdes and AttachmentSupport): a plain string; an attachment
 * descriptor `mem:<base64url>` holding the code inline; or `couch:<name>`, a CouchDB attachment of
 * the document. Binary code (a zip) is handed on as base64, as the runtime expects.
 */
import type nano from 'nano';
import type { Logger } from 'pino';
import { EntityCache } from '../api/cache.js';
import { actionDocumentSchema, type WhiskActivation } from '../protocol/index.js';
import { isNotFound, type CouchConnection } from '../store/couch.js';
import type { ActivationStore } from '../store/activation-store.js';
import {
  ActionNotFoundError,
  ActionUnreadableError,
  RevisionMismatchError,
  type ActionSource,
  type ActivationSink,
  type ExecutableAction,
} from '../invoker/ports.js';

/** Decodes `exec.code` into the string the runtime's /init takes. */
export async function resolveCode(
  code: unknown,
  binary: boolean,
  readAttachment: (name: string) => Promise<Buffer>,
): Promise<string> {
  if (typeof code === 'string') return code;
  // A blackbox action may have no code: its image is the program.
  if (code === undefined) return '';
  if (typeof code !== 'object' || code === null)
    throw new Error('exec.code is neither a string nor an attachment');
  const name = (code as { attachmentName?: unknown }).attachmentName;
  if (typeof name !== 'string') throw new Error('exec.code attachment has no attachmentName');
  const colon = name.indexOf(':');
  const scheme = colon < 0 ? '' : name.slice(0, colon);
  const path = colon < 0 ? name : name.slice(colon + 1);
  const bytes = scheme === 'mem' ? Buffer.from(path, 'base64url') : await readAttachment(path);
  return binary ? bytes.toString('base64') : bytes.toString('utf8');
}

export interface CouchActionSourceOptions {
  /** Revisions kept in the cache; default 1,000. */
  readonly cacheSize?: number;
}

export class CouchActionSource implements ActionSource {
  private readonly db: nano.DocumentScope<object>;
  /** The one cache type (R25); a revision never changes, so its entries never go stale. */
  private readonly cache: EntityCache<ExecutableAction>;

  constructor(couch: CouchConnection, options: CouchActionSourceOptions = {}) {
    this.db = couch.db('whisks');
    this.cache = new EntityCache(Infinity, { maxEntries: options.cacheSize ?? 1000 });
  }

  async fetchAction(docId: string, rev: string | null): Promise<ExecutableAction> {
    if (rev !== null) {
      const cached = this.cache.get(`${docId}@${rev}`);
      if (cached) return cached;
    }
    let raw: unknown;
    try {
      raw = await this.db.get(docId, rev !== null ? { rev } : {});
    } catch (err) {
      if (isNotFound(err))
        throw rev !== null ? new RevisionMismatchError(docId, rev) : new ActionNotFoundError(docId);
      throw err;
    }
    const parsed = actionDocumentSchema.safeParse(raw);
    if (!parsed.success)
      throw new ActionUnreadableError(
        docId,
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    const doc = parsed.data;
    let code: string;
    try {
      code = await resolveCode(doc.exec.code, doc.exec.binary, async (name) => {
        const body = await this.db.attachment.get(docId, name, doc._rev ? { rev: doc._rev } : {});
        return Buffer.isBuffer(body) ? body : Buffer.from(body as ArrayBuffer);
      });
    } catch (err) {
      if (isNotFound(err)) throw new ActionUnreadableError(docId, 'its code attachment is missing');
      throw err;
    }
    const action: ExecutableAction = { ...doc, exec: { ...doc.exec, code } };
    if (doc._rev) this.cache.set(`${docId}@${doc._rev}`, action);
    return action;
  }
}

/** Activation records through the store's batched writer. */
export class StoreActivationSink implements ActivationSink {
  constructor(
    private readonly store: ActivationStore,
    private readonly logger?: Logger,
  ) {}

  async storeActivation(activation: WhiskActivation): Promise<void> {
    const outcome = await this.store.put({
      ...activation,
      start: Number(activation.start),
      end: Number(activation.end),
    });
    // Sent again after an answer was lost, and found there: our own earlier write.
    if (!outcome.ok && !(outcome.error === 'conflict' && outcome.replayed)) {
      this.logger?.warn(
        { activationId: activation.activationId, error: outcome.error, reason: outcome.reason },
        'activation record not stored',
      );
      throw new Error(`activation record ${outcome.id} not stored: ${outcome.error}`);
    }
  }

  flush(): Promise<void> {
    return this.store.flush();
  }
}
