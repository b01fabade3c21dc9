/**
 * Placement records (`<prefix>palette_placements`): what the controller decided for each
 * activation, kept apart from the activation record because the invoker writes that one
 * (DECISIONS.md, "Placement records"). One document per activation, `_id` = activation id,
 * written in batches. The activations API merges them into the records it returns and filters
 * by color through `palette.v1/byColor` ([namespace, color, time]).
 */
import type nano from 'nano';
import { BulkWriter, type BulkWriterOptions, type WriteOutcome } from './bulk-writer.js';
import { ddocNames } from './design-docs.js';
import { bulkDocs, isNotFound, TOP, type CouchConnection } from './couch.js';

export interface Placement {
  readonly activationId: string;
  /** What was activated; absent means an action. Sequences and triggers have no invoker (R7). */
  readonly kind?: 'action' | 'sequence' | 'trigger';
  /** The activation that caused this one (a sequence's component), if any. */
  readonly cause?: string;
  /** The invoking user's namespace. */
  readonly namespace: string;
  /** The activated entity, `namespace[/package]/name`. */
  readonly action?: string;
  /** Absent for an uncolored invocation. */
  readonly color?: string;
  readonly policy: string;
  /** Absent for sequences and triggers: the controller runs them itself. */
  readonly invoker?: number;
  readonly home?: number;
  readonly forced: boolean;
  readonly spilled: boolean;
  /** R7: why it went there, and how many invokers the policy passed over (absent on older records). */
  readonly reason?: 'home' | 'spilled' | 'forced' | 'replica' | 'planned';
  readonly hops?: number;
  readonly controller: string;
  /** Epoch ms of the decision. */
  readonly time: number;
}

export type PlacementDoc = Placement & { _id: string; _rev?: string };

export interface ColorQuery {
  readonly since?: number;
  readonly upto?: number;
  readonly skip?: number;
  readonly limit?: number;
}

export class PlacementStore {
  private readonly db: nano.DocumentScope<PlacementDoc>;
  private readonly writer: BulkWriter<PlacementDoc>;

  constructor(couch: CouchConnection, options: BulkWriterOptions = {}) {
    this.db = couch.db<PlacementDoc>('placements');
    this.writer = new BulkWriter<PlacementDoc>(bulkDocs(couch, 'placements'), {
      what: 'placement records',
      maxBatch: 500,
      flushMs: 50,
      ...options,
    });
  }

  /** Queues the placement; resolves when stored. Callers on the hot path need not wait. */
  record(placement: Placement): Promise<WriteOutcome> {
    return this.writer.write({ ...placement, _id: placement.activationId });
  }

  async get(activationId: string): Promise<Placement | undefined> {
    try {
      return strip(await this.db.get(activationId));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** One request for many activations (a listing page); missing ones are absent from the map. */
  async getMany(activationIds: readonly string[]): Promise<Map<string, Placement>> {
    const found = new Map<string, Placement>();
    if (activationIds.length === 0) return found;
    const response = await this.db.fetch({ keys: [...new Set(activationIds)] });
    for (const row of response.rows) {
      if ('doc' in row && row.doc) found.set(row.doc.activationId, strip(row.doc));
    }
    return found;
  }

  /** Activation ids of the namespace with this color, newest decision first. */
  async activationIdsByColor(namespace: string, color: string, query: ColorQuery = {}): Promise<string[]> {
    const response = await this.db.view(ddocNames.placements, 'byColor', {
      startkey: [namespace, color, query.upto ?? TOP],
      endkey: [namespace, color, query.since ?? 0],
      descending: true,
      reduce: false,
      ...(query.skip ? { skip: query.skip } : {}),
      ...(query.limit ? { limit: query.limit } : {}),
    });
    return response.rows.map((row) => row.id);
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

function strip(doc: PlacementDoc): Placement {
  const { _id: _i, _rev: _r, ...placement } = doc;
  return placement;
}
