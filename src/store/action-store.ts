/**
 * Actions (the `<prefix>whisks` database) in OpenWhisk's document shape (§5.3):
 * `_id` `<namespace path>/<name>`, `entityType: "action"`, `updated` (epoch ms, set on every
 * write), exec, parameters, limits, annotations, version, publish. Code is stored as a plain
 * string, which OpenWhisk's reader accepts. Listing goes through `whisks.v2.1.0/actions`, which
 * lists a namespace's packaged actions under its root namespace too, newest first.
 */
import type nano from 'nano';
import type { ActionMeta } from '../protocol/index.js';
import { ddocNames } from './design-docs.js';
import { isConflict, isNotFound, TOP, type CouchConnection } from './couch.js';

export interface KeyValue {
  readonly key: string;
  readonly value: unknown;
  readonly init?: boolean;
  readonly encryption?: string;
}

/** The fields the store relies on; everything else in the document is kept as it is. */
export interface ActionDoc {
  _id: string;
  _rev?: string;
  entityType: 'action';
  namespace: string;
  name: string;
  updated: number;
  version: string;
  publish: boolean;
  exec: { kind: string; code?: unknown; binary?: boolean; main?: string; [k: string]: unknown };
  parameters: KeyValue[];
  limits: { timeout: number; memory: number; logs: number; concurrency: number; [k: string]: unknown };
  annotations: KeyValue[];
  [k: string]: unknown;
}

/** What a writer supplies: the store sets entityType and updated, and finds the revision itself. */
export type ActionInput = Pick<
  ActionDoc,
  '_id' | 'namespace' | 'name' | 'version' | 'publish' | 'exec' | 'parameters' | 'limits' | 'annotations'
> &
  Partial<Pick<ActionDoc, '_rev' | 'updated' | 'entityType'>> & { [k: string]: unknown };

export class ActionExistsError extends Error {
  constructor(readonly id: string) {
    super(`resource already exists: ${id}`);
  }
}

/** The id exists but holds another kind of entity (OpenWhisk's DocumentTypeMismatchException). */
export class DocumentTypeMismatchError extends Error {
  constructor(
    readonly id: string,
    readonly entityType: unknown,
  ) {
    super(`document ${id} is a ${String(entityType)}, not an action`);
  }
}

export function entityDocId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export interface ListOptions {
  readonly limit?: number;
  readonly skip?: number;
}

export class ActionStore {
  private readonly db: nano.DocumentScope<ActionDoc>;

  constructor(couch: CouchConnection) {
    this.db = couch.db<ActionDoc>('whisks');
  }

  async get(id: string): Promise<ActionDoc | undefined> {
    let doc: ActionDoc;
    try {
      doc = (await this.db.get(id)) as ActionDoc;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (doc.entityType !== 'action') throw new DocumentTypeMismatchError(id, doc.entityType);
    return doc;
  }

  /**
   * Creates the action, or replaces it when `overwrite` is set. Without overwrite an existing
   * document is ActionExistsError (the API's 409). Returns the stored document with its new _rev.
   */
  async put(action: ActionInput, options: { overwrite?: boolean } = {}): Promise<ActionDoc> {
    for (let attempt = 0; ; attempt++) {
      let rev: string | undefined;
      if (options.overwrite) rev = (await this.get(action._id))?._rev;
      const doc: ActionDoc = { ...action, entityType: 'action', updated: Date.now() };
      delete doc._rev;
      try {
        const result = await this.db.insert(rev ? { ...doc, _rev: rev } : doc);
        return { ...doc, _rev: result.rev };
      } catch (err) {
        if (!isConflict(err)) throw err;
        // Overwriting raced another writer: read the new revision and try again.
        if (!options.overwrite || attempt >= 4) throw new ActionExistsError(action._id);
      }
    }
  }

  /** Deletes the action; returns what was deleted, or undefined if there was none. */
  async delete(id: string): Promise<ActionDoc | undefined> {
    for (let attempt = 0; ; attempt++) {
      const doc = await this.get(id);
      if (!doc || !doc._rev) return undefined;
      try {
        await this.db.destroy(id, doc._rev);
        return doc;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }

  /** ActionMeta summaries of the namespace (packaged actions included), newest first. */
  async list(namespace: string, options: ListOptions = {}): Promise<ActionMeta[]> {
    const response = await this.db.view<ActionMeta>(ddocNames.whisks, 'actions', {
      startkey: [namespace, TOP],
      endkey: [namespace],
      descending: true,
      reduce: false,
      ...(options.skip ? { skip: options.skip } : {}),
      ...(options.limit ? { limit: options.limit } : {}),
    });
    return response.rows.map((row) => row.value);
  }

  async count(namespace: string): Promise<number> {
    const response = await this.db.view<number>(ddocNames.whisks, 'actions', {
      startkey: [namespace],
      endkey: [namespace, TOP],
      reduce: true,
    });
    return response.rows[0]?.value ?? 0;
  }
}
