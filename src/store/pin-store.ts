/**
 * The pins of co-access plans in `<prefix>palette_colors`, shared by every controller replica
 * (DECISIONS R8, R21): a plan written through one replica is followed by the others through
 * `_changes`, as the least-assigned table's colors are.
 *
 * - Start: the pin range (`pin:` .. `pin:\ufff0`) of `_all_docs` is read into the table, then the
 *   changes feed is followed from the sequence taken before the read.
 * - Writing a plan replaces the namespace's pins: one `_bulk_docs` per 5,000 documents, updating
 *   pins that exist (with their revision), creating new ones and deleting the namespace's pins the
 *   plan no longer names; then the plan's summary (`plan:<ns>`). The table takes the plan at once.
 *   A conflict (another replica wrote the same pin meanwhile) is retried on the new revision: the
 *   last plan written wins.
 * - A malformed pin is logged and skipped.
 */
import type nano from 'nano';
import type { Logger } from 'pino';
import { ColorChangesFeed } from './color-changes-feed.js';
import { bulkDocs, TOP, type CouchConnection } from './couch.js';
import {
  checkPinDoc,
  newPinDoc,
  parsePinId,
  PIN_PREFIX,
  pinIdPrefix,
  planDocId,
  type PlanDoc,
} from './pin-docs.js';

/** What we need of the in-memory pins (src/balancer's PinTable). */
export interface PinTablePort {
  set(namespace: string, color: string, invoker: number): void;
  delete(namespace: string, color: string): boolean;
}

export interface PinStoreOptions {
  readonly controllerId: string;
  readonly logger?: Logger;
  readonly changesPollMs?: number;
  readonly maxBackoffMs?: number;
}

const BATCH = 5000;

export class PinStore {
  readonly stats = { loaded: 0, learned: 0, skipped: 0, written: 0, removed: 0 };
  private readonly feed: ColorChangesFeed;
  private readonly db: nano.DocumentScope<nano.MaybeDocument>;

  constructor(
    private readonly table: PinTablePort,
    private readonly couch: CouchConnection,
    private readonly options: PinStoreOptions,
  ) {
    this.db = couch.db('colors');
    this.feed = new ColorChangesFeed(couch, options);
  }

  async start(): Promise<void> {
    const info = await this.db.info();
    const since = String(info.update_seq);
    for (const row of await this.range(PIN_PREFIX, true)) if (this.take(row.doc)) this.stats.loaded++;
    this.feed.start(since, (change) => {
      if (!change.id.startsWith(PIN_PREFIX)) return;
      if (change.deleted) {
        const key = parsePinId(change.id);
        if (key && this.table.delete(key.namespace, key.color)) this.stats.learned++;
      } else if (this.take(change.doc)) this.stats.learned++;
    });
  }

  async stop(): Promise<void> {
    await this.feed.stop();
  }

  /** Replaces `namespace`'s pins with `assignment` and stores `summary` as its plan. */
  async writePlan(
    namespace: string,
    assignment: Iterable<readonly [string, number]>,
    summary: Record<string, unknown>,
  ): Promise<{ pinned: number; removed: number }> {
    const revs = new Map<string, string>();
    for (const row of await this.range(pinIdPrefix(namespace), false)) revs.set(row.id, row.rev);
    const now = Date.now();
    let docs: nano.MaybeDocument[] = [];
    let pinned = 0;
    const keep = new Set<string>();
    const flush = async () => {
      if (docs.length > 0) await this.bulk(docs);
      docs = [];
    };
    for (const [color, invoker] of assignment) {
      const doc = newPinDoc(namespace, color, invoker, this.options.controllerId, now);
      keep.add(doc._id);
      const rev = revs.get(doc._id);
      docs.push(rev ? { ...doc, _rev: rev } : doc);
      this.table.set(namespace, color, invoker);
      pinned++;
      if (docs.length >= BATCH) await flush();
    }
    let removed = 0;
    for (const [id, rev] of revs) {
      if (keep.has(id)) continue;
      docs.push({ _id: id, _rev: rev, _deleted: true } as nano.MaybeDocument);
      const key = parsePinId(id);
      if (key) this.table.delete(key.namespace, key.color);
      removed++;
      if (docs.length >= BATCH) await flush();
    }
    await flush();
    const planId = planDocId(namespace);
    const old = await this.readPlan(namespace);
    const plan: PlanDoc = {
      _id: planId,
      ...(old?._rev ? { _rev: old._rev } : {}),
      namespace,
      plannedAt: now,
      controller: this.options.controllerId,
      summary,
    };
    await this.bulk([plan as unknown as nano.MaybeDocument]);
    this.stats.written += pinned;
    this.stats.removed += removed;
    return { pinned, removed };
  }

  async readPlan(namespace: string): Promise<PlanDoc | undefined> {
    try {
      return (await this.db.get(planDocId(namespace))) as unknown as PlanDoc;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined;
      throw err;
    }
  }

  /** Writes documents; conflicts are retried on the current revision (last writer wins). */
  private async bulk(docs: nano.MaybeDocument[]): Promise<void> {
    const write = bulkDocs(this.couch, 'colors');
    let pending = docs;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const results = await write({ docs: pending });
      const conflicted = new Set(results.filter((r) => r.error === 'conflict').map((r) => r.id));
      const failed = results.filter((r) => r.error && r.error !== 'conflict');
      if (failed.length > 0)
        throw new Error(`pins not written: ${failed[0]!.error} ${failed[0]!.reason ?? ''}`);
      if (conflicted.size === 0) return;
      if (attempt >= 3) throw new Error(`pins not written: ${conflicted.size} conflicts after retries`);
      const current = await this.db.fetchRevs({ keys: [...conflicted] });
      const revOf = new Map(
        current.rows.map((r) => [
          r.key,
          'value' in r && r.value ? (r.value as { rev: string }).rev : undefined,
        ]),
      );
      pending = pending
        .filter((d) => conflicted.has(d._id!))
        .map((d) => ({ ...d, _rev: revOf.get(d._id!) }) as nano.MaybeDocument);
    }
  }

  /** `_all_docs` rows whose id starts with `prefix` (with documents when asked), paged. */
  private async range(
    prefix: string,
    withDocs: boolean,
  ): Promise<{ id: string; rev: string; doc?: unknown }[]> {
    const rows: { id: string; rev: string; doc?: unknown }[] = [];
    let startkey = prefix;
    for (;;) {
      const page = await this.db.list({
        startkey,
        endkey: prefix + TOP,
        limit: BATCH + 1,
        include_docs: withDocs,
      });
      for (const row of page.rows.slice(0, BATCH))
        rows.push({ id: row.id, rev: row.value.rev, doc: row.doc });
      const next = page.rows[BATCH];
      if (!next) return rows;
      startkey = next.id;
    }
  }

  private take(raw: unknown): boolean {
    const result = checkPinDoc(raw);
    if (!result.ok) {
      this.stats.skipped++;
      const id = typeof raw === 'object' && raw !== null ? (raw as { _id?: unknown })._id : undefined;
      this.options.logger?.warn({ id, problem: result.problem }, 'skipping malformed pin document');
      return false;
    }
    this.table.set(result.doc.namespace, result.doc.color, result.doc.invoker);
    return true;
  }
}
