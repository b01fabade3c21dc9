/**
 * Triggers and rules live in the `<prefix>whisks` database beside actions, as OpenWhisk keeps them:
 * `_id` `<namespace>/<name>` (one id space for every entity kind of a namespace), `entityType`
 * `trigger` or `rule`, `updated` set on every write. Listing goes through OpenWhisk's views
 * `whisks.v2.1.0/triggers` and `whisks.v2.1.0/rules` ([namespace, updated], newest first).
 *
 * The store checks only the envelope; the API validates the documents' shape (src/api).
 */
import type nano from 'nano';
import { ddocNames } from './design-docs.js';
import { isConflict, isNotFound, TOP, type CouchConnection } from './couch.js';

export type TriggerOrRule = 'trigger' | 'rule';

/** The envelope every trigger and rule document has; the rest is kept as it is. */
export interface WhiskEntityDoc {
  _id: string;
  _rev?: string;
  entityType: TriggerOrRule;
  namespace: string;
  name: string;
  updated: number;
  [k: string]: unknown;
}

/** The views' value (OpenWhisk's trigger and rule summaries). */
export interface WhiskEntitySummary {
  namespace: string;
  name: string;
  version: string;
  publish: boolean;
  annotations: unknown[];
  updated: number;
}

/** The id holds another kind of entity (OpenWhisk's DocumentTypeMismatchException: the API's 409). */
export class EntityTypeMismatchError extends Error {
  constructor(
    readonly id: string,
    readonly found: unknown,
    readonly expected: TriggerOrRule,
  ) {
    super(`document ${id} is a ${String(found)}, not a ${expected}`);
    // The name other API code already recognises for a mismatch (package-access, actions).
    this.name = 'DocumentTypeMismatchError';
  }
}

/** A write lost against another writer (create of an existing id, or a stale `_rev`): the API's 409. */
export class EntityConflictError extends Error {
  readonly statusCode = 409;
  constructor(readonly id: string) {
    super(`conflict writing ${id}`);
    this.name = 'EntityConflictError';
  }
}

const viewOf: Record<TriggerOrRule, string> = { trigger: 'triggers', rule: 'rules' };

export class WhiskEntityStore<D extends WhiskEntityDoc> {
  private readonly db: nano.DocumentScope<D>;

  constructor(
    couch: CouchConnection,
    private readonly entityType: TriggerOrRule,
  ) {
    this.db = couch.db<D>('whisks');
  }

  async get(id: string): Promise<D | undefined> {
    let doc: D;
    try {
      doc = (await this.db.get(id)) as D;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (doc.entityType !== this.entityType)
      throw new EntityTypeMismatchError(id, doc.entityType, this.entityType);
    return doc;
  }

  /**
   * Creates the document (no `_rev`) or replaces exactly that revision. Never retries: a conflict
   * means someone else wrote first, and the caller decides (the API answers 409).
   */
  async put(doc: D): Promise<D> {
    const written = { ...doc, entityType: this.entityType };
    try {
      const result = await this.db.insert(written);
      return { ...written, _rev: result.rev };
    } catch (err) {
      if (isConflict(err)) throw new EntityConflictError(doc._id);
      throw err;
    }
  }

  /** Deletes that revision; a stale one is an EntityConflictError, an absent one is ignored. */
  async delete(doc: D): Promise<void> {
    if (!doc._rev) return;
    try {
      await this.db.destroy(doc._id, doc._rev);
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) throw new EntityConflictError(doc._id);
      throw err;
    }
  }

  async list(namespace: string, page: { limit?: number; skip?: number } = {}): Promise<WhiskEntitySummary[]> {
    const response = await this.db.view<WhiskEntitySummary>(ddocNames.whisks, viewOf[this.entityType], {
      startkey: [namespace, TOP],
      endkey: [namespace],
      descending: true,
      reduce: false,
      ...(page.skip ? { skip: page.skip } : {}),
      ...(page.limit ? { limit: page.limit } : {}),
    });
    return response.rows.map((row) => row.value);
  }

  /** Full documents of a listing page (OpenWhisk lists rules with their documents). */
  async listDocs(namespace: string, page: { limit?: number; skip?: number } = {}): Promise<D[]> {
    const response = await this.db.view<WhiskEntitySummary>(ddocNames.whisks, viewOf[this.entityType], {
      startkey: [namespace, TOP],
      endkey: [namespace],
      descending: true,
      reduce: false,
      include_docs: true,
      ...(page.skip ? { skip: page.skip } : {}),
      ...(page.limit ? { limit: page.limit } : {}),
    });
    return response.rows.flatMap((row) => (row.doc ? [row.doc as unknown as D] : []));
  }

  async count(namespace: string): Promise<number> {
    const response = await this.db.view<number>(ddocNames.whisks, viewOf[this.entityType], {
      startkey: [namespace],
      endkey: [namespace, TOP],
      reduce: true,
    });
    return response.rows[0]?.value ?? 0;
  }
}
