/**
 * Activation records (the `<prefix>activations` database) in OpenWhisk's shape (§5.4):
 * `_id` `<user namespace>/<activationId>`, `entityType: "activation"`, `updated`. Invokers write
 * them in batches (`_bulk_docs`), as OpenWhisk's activation store does. Listing follows
 * OpenWhisk's views: `whisks.v2.1.0/activations` by [namespace, start], or, with a name filter,
 * `whisks-filters.v2.1.1/activations` by [namespace/(pkg/)name, start]; newest first, with
 * since/upto bounds (epoch ms, inclusive) and limit/skip.
 */
import type nano from 'nano';
import type { ActivationBrief } from '../protocol/index.js';
import { BulkWriter, type BulkWriterOptions, type WriteOutcome } from './bulk-writer.js';
import { ddocNames } from './design-docs.js';
import { bulkDocs, isNotFound, statusOf, TOP, type CouchConnection } from './couch.js';

/** The fields the store relies on; the rest of the WhiskActivation is kept as it is. */
export interface ActivationRecord {
  namespace: string;
  name: string;
  activationId: string;
  start: number;
  end: number;
  [k: string]: unknown;
}

export type ActivationDoc = ActivationRecord & {
  _id: string;
  _rev?: string;
  entityType: 'activation';
  updated: number;
};

export interface ActivationQuery {
  /** `action` or `package/action`. */
  readonly name?: string;
  /** Epoch ms, inclusive bounds on `start`. */
  readonly since?: number;
  readonly upto?: number;
  readonly skip?: number;
  /** 0 or absent: no limit (the API applies its own default and maximum). */
  readonly limit?: number;
}

export function activationDocId(namespace: string, activationId: string): string {
  return `${namespace}/${activationId}`;
}

export class ActivationStore {
  private readonly db: nano.DocumentScope<ActivationDoc>;
  private readonly writer: BulkWriter<ActivationDoc>;

  constructor(couch: CouchConnection, options: BulkWriterOptions = {}) {
    this.db = couch.db<ActivationDoc>('activations');
    this.writer = new BulkWriter<ActivationDoc>(bulkDocs(couch, 'activations'), {
      what: 'activation records',
      ...options,
    });
  }

  /** Queues the record for the next batch; resolves when it is stored (or rejected per document). */
  put(record: ActivationRecord): Promise<WriteOutcome> {
    const { _rev: _ignored, ...fields } = record as ActivationRecord & { _rev?: string };
    return this.writer.write({
      ...fields,
      _id: activationDocId(record.namespace, record.activationId),
      entityType: 'activation',
      updated: Date.now(),
    });
  }

  /**
   * Replaces whatever record the id holds (R15: the controller's system-error record for an
   * activation it gave up on yields to the real outcome). Creates it if there is none.
   */
  async replace(record: ActivationRecord): Promise<void> {
    const { _rev: _ignored, ...fields } = record as ActivationRecord & { _rev?: string };
    const _id = activationDocId(record.namespace, record.activationId);
    for (let attempt = 0; ; attempt++) {
      const existing = await this.get(record.namespace, record.activationId);
      try {
        await this.db.insert({
          ...fields,
          _id,
          ...(existing?._rev ? { _rev: existing._rev } : {}),
          entityType: 'activation',
          updated: Date.now(),
        } as ActivationDoc);
        return;
      } catch (err) {
        // Someone wrote in between (another conflict): read the new revision once more.
        if (statusOf(err) !== 409 || attempt >= 2) throw err;
      }
    }
  }

  async get(namespace: string, activationId: string): Promise<ActivationDoc | undefined> {
    try {
      const doc = (await this.db.get(activationDocId(namespace, activationId))) as ActivationDoc;
      return doc.entityType === 'activation' || doc.entityType === undefined ? doc : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(namespace: string, query: ActivationQuery = {}): Promise<ActivationBrief[]> {
    const response = await this.query<ActivationBrief>(namespace, query, false);
    return response.rows.map((row) => row.value);
  }

  /** Full records, same order and filters as list. */
  async listDocs(namespace: string, query: ActivationQuery = {}): Promise<ActivationDoc[]> {
    const response = await this.query<ActivationBrief>(namespace, query, true);
    return response.rows.flatMap((row) => (row.doc ? [row.doc as ActivationDoc] : []));
  }

  async count(namespace: string, query: Omit<ActivationQuery, 'limit' | 'skip'> = {}): Promise<number> {
    const { ddoc, start, end } = this.range(namespace, query);
    const response = await this.db.view<number>(ddoc, 'activations', {
      startkey: end,
      endkey: start,
      reduce: true,
    });
    return response.rows[0]?.value ?? 0;
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  close(): Promise<void> {
    return this.writer.close();
  }

  private range(namespace: string, query: ActivationQuery) {
    const key = query.name ? `${namespace}/${query.name}` : namespace;
    return {
      ddoc: query.name ? ddocNames.activationFilters : ddocNames.whisks,
      start: [key, query.upto ?? TOP, TOP],
      end: [key, query.since ?? 0],
    };
  }

  private query<V>(namespace: string, query: ActivationQuery, docs: boolean) {
    const { ddoc, start, end } = this.range(namespace, query);
    // Descending: the start key is the upper bound.
    return this.db.view<V>(ddoc, 'activations', {
      startkey: start,
      endkey: end,
      descending: true,
      reduce: false,
      include_docs: docs,
      ...(query.skip ? { skip: query.skip } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
  }
}
