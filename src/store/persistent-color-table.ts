/**
 * Persistence of the least-assigned table, shared by every controller replica through CouchDB.
 *
 * Protocol:
 * - Start: every color document is read (`_all_docs`, paged) and adopted into the in-memory table;
 *   then the changes feed is followed from the sequence taken before the read, so nothing written
 *   meanwhile is missed. Replicas learn each other's decisions from that feed.
 * - A new color: the table decides and notifies us; the document is created without a revision,
 *   in a batch (`_bulk_docs`) with the other new colors of the moment. The first create wins: a
 *   conflict means another replica decided first, so we fetch its document and adopt its invoker.
 * - A color moved (its invoker gone for good, or no longer in the view): the table notifies
 *   'reassigned'; we read the document and update it with its revision. If that update conflicts,
 *   another replica moved the color meanwhile, and its choice stands unless it too is an invoker
 *   we know to be gone.
 * - With `confirmations`, a new color's decision is pending until its create answers (created, or
 *   the winner adopted), so the controller publishes the agreed invoker (color-confirmation.ts).
 * - CouchDB unreachable: writes wait in memory (bounded by the process's write backlog) and are
 *   retried with backoff until written; the table keeps routing by its own decisions meanwhile.
 * - A malformed document (read at start, from the feed, or as a conflict winner) is logged and
 *   skipped; it never stops the controller.
 */
import type nano from 'nano';
import type { Logger } from 'pino';
import { Backoff, sleep } from '../retry/backoff.js';
import { BulkWriter, type BulkWriterOptions, type WriteOutcome } from './bulk-writer.js';
import { ColorChangesFeed } from './color-changes-feed.js';
import type { ColorConfirmations } from './color-confirmation.js';
import { checkColorDoc, colorDocId, newColorDoc, type ColorDoc } from './color-docs.js';
import { readColorSnapshot } from './color-snapshot.js';
import { isPlanningDocId } from './pin-docs.js';
import { bulkDocs, fetchDocs, isRetriable, type CouchConnection } from './couch.js';

/**
 * Why the table assigned a color: a color seen for the first time, or one moved off its invoker.
 * The store states the listener it implements itself (the port belongs to its user) rather than
 * importing the balancer; the composition root hands it to the balancer's ColorTable, and a unit
 * test keeps both spellings equal.
 */
export type AssignmentReason = 'new' | 'reassigned';

/** Told of every decision the table makes itself (not of assignments it adopts). */
export interface ColorAssignmentListener {
  onAssignment(color: string, invoker: number, reason: AssignmentReason): void;
}

/** What we need of the in-memory table (src/balancer's ColorTable); `R` is its view of remaining invokers. */
export interface ColorTablePort<R> {
  get(color: string): number | undefined;
  /** Takes a decision made elsewhere; must not notify the listener. */
  adopt(color: string, invoker: number): void;
  /** Moves the invoker's colors, notifying 'reassigned' for each. */
  removeInvoker(invoker: number, remaining: R): void;
  setListener(listener: ColorAssignmentListener): void;
}

export interface PersistentColorTableOptions {
  readonly controllerId: string;
  readonly logger?: Logger;
  /** New colors per `_bulk_docs` request, and how long the first one waits for company. */
  readonly maxBatch?: number;
  readonly flushMs?: number;
  /** Long-poll timeout of the changes feed. */
  readonly changesPollMs?: number;
  readonly maxBackoffMs?: number;
  /** Holds first decisions until the store confirms them (color-confirmation.ts); none: not held. */
  readonly confirmations?: ColorConfirmations;
  /** The process's bound on documents waiting to be written, shared with the other writers. */
  readonly backlog?: BulkWriterOptions['backlog'];
  readonly reachability?: BulkWriterOptions['reachability'];
}

export interface ColorTableStats {
  loaded: number;
  skipped: number;
  /** Assignments adopted from other replicas through the feed. */
  learned: number;
  /** Creates lost to another replica (their invoker adopted). */
  conflicts: number;
  written: number;
}

export class PersistentColorTable<R> implements ColorAssignmentListener {
  readonly stats: ColorTableStats = { loaded: 0, skipped: 0, learned: 0, conflicts: 0, written: 0 };
  private readonly writer: BulkWriter<ColorDoc>;
  private readonly logger: Logger | undefined;
  private readonly gone = new Set<number>();
  /** Reassignments waiting to be written: color -> new invoker (and whether a write lost a race). */
  private readonly reassignments = new Map<string, { invoker: number; conflicted: boolean }>();
  private reassigning: Promise<void> | undefined;
  /** Conflict winners waiting to be fetched, and the writes in flight (for flush). */
  private readonly losers = new Set<string>();
  private resolving: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly feed: ColorChangesFeed;
  private stopped = false;

  private readonly db: nano.DocumentScope<ColorDoc>;

  constructor(
    private readonly table: ColorTablePort<R>,
    private readonly couch: CouchConnection,
    private readonly options: PersistentColorTableOptions,
  ) {
    this.logger = options.logger;
    this.db = couch.db<ColorDoc>('colors');
    this.feed = new ColorChangesFeed(couch, options);
    const bulk = bulkDocs(couch, 'colors');
    const confirmations = options.confirmations;
    this.writer = new BulkWriter<ColorDoc>(
      confirmations
        ? (body) =>
            bulk(body).catch((err: unknown) => {
              if (isRetriable(err)) confirmations.storeFailed();
              throw err;
            })
        : bulk,
      {
        maxBatch: options.maxBatch ?? 500,
        flushMs: options.flushMs ?? 10,
        maxBackoffMs: options.maxBackoffMs,
        logger: options.logger,
        what: 'color assignments',
        backlog: options.backlog,
        reachability: options.reachability,
      },
    );
  }

  /** Loads every color into the table, starts listening to it and follows the changes feed. */
  async start(): Promise<void> {
    const info = await this.db.info();
    const since = String(info.update_seq);
    await this.load();
    this.table.setListener(this);
    // Follows `_changes` (long polling) and adopts what other replicas decided.
    this.feed.start(since, (change) => {
      if (change.deleted || isPlanningDocId(change.id) || !change.doc) return;
      const doc = this.check(change.doc);
      if (doc && this.adoptIfNew(doc)) this.stats.learned++;
    });
  }

  /** Writes queued so far have reached CouchDB (waits through an outage). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0 || this.reassignments.size > 0 || this.reassigning || this.resolving) {
      if (this.stopped) return;
      await this.writer.flush();
      await Promise.all([...this.inFlight]);
      await this.reassigning;
      await this.resolving;
      if (this.reassignments.size > 0 && !this.reassigning) this.scheduleReassign();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.confirmations?.clear();
    await this.feed.stop();
    await this.writer.close();
  }

  /** Colors (or rather their writes) not yet in CouchDB. */
  get pendingWrites(): number {
    return this.writer.pending + this.reassignments.size;
  }

  /** The invoker is gone for good (offline longer than PALETTE_INVOKER_GONE_S): move its colors. */
  invokerGone(invoker: number, remaining: R): void {
    this.gone.add(invoker);
    this.table.removeInvoker(invoker, remaining);
  }

  /** An invoker with this number is back: its new colors are real again. */
  invokerReturned(invoker: number): void {
    this.gone.delete(invoker);
  }

  onAssignment(color: string, invoker: number, reason: AssignmentReason): void {
    if (reason === 'reassigned') {
      this.reassignments.set(color, { invoker, conflicted: false });
      this.scheduleReassign();
      return;
    }
    this.options.confirmations?.begin(color, invoker);
    this.track(
      this.writer
        .write(newColorDoc(color, invoker, this.options.controllerId))
        .then((o) => this.created(color, o)),
    );
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private created(color: string, outcome: WriteOutcome): void {
    const confirmations = this.options.confirmations;
    if (outcome.ok) {
      this.stats.written++;
      const invoker = this.table.get(color);
      if (invoker !== undefined) confirmations?.settle(color, invoker, 'created');
      else confirmations?.abandon(color);
    } else if (outcome.error === 'conflict') {
      this.stats.conflicts++;
      this.losers.add(color);
      if (!this.resolving) this.resolving = this.resolveLosers().finally(() => (this.resolving = undefined));
    } else {
      confirmations?.abandon(color);
      if (outcome.error !== 'closed' && outcome.error !== 'queue_full')
        this.logger?.warn(
          { color, error: outcome.error, reason: outcome.reason },
          'color assignment not written',
        );
    }
  }

  /** Fetches the documents that beat ours and adopts their invokers, in batches. */
  private async resolveLosers(): Promise<void> {
    const backoff = new Backoff({ firstMs: 100, maxMs: this.options.maxBackoffMs ?? 5000 });
    await Promise.resolve();
    while (this.losers.size > 0 && !this.stopped) {
      const colors = [...this.losers].slice(0, 1000);
      try {
        const docs = await this.fetchColors(colors);
        for (const color of colors) {
          this.losers.delete(color);
          const doc = docs.get(color);
          if (doc) this.adoptIfNew(doc);
          const invoker = this.table.get(color);
          if (doc && invoker !== undefined) this.options.confirmations?.settle(color, invoker, 'adopted');
          else this.options.confirmations?.abandon(color);
        }
        backoff.reset();
      } catch (err) {
        if (!isRetriable(err)) {
          this.logger?.warn({ err: String(err), count: colors.length }, 'cannot read conflicting colors');
          for (const color of colors) {
            this.losers.delete(color);
            this.options.confirmations?.abandon(color);
          }
          continue;
        }
        this.options.confirmations?.storeFailed();
        await backoff.wait();
      }
    }
  }

  private scheduleReassign(): void {
    if (this.reassigning || this.stopped) return;
    this.reassigning = (async () => {
      await sleep(this.options.flushMs ?? 10);
      await this.writeReassignments();
    })().finally(() => {
      this.reassigning = undefined;
      if (this.reassignments.size > 0) this.scheduleReassign();
    });
  }

  /**
   * Read-then-update with revisions. Our first attempt overwrites whatever the document holds: the
   * table moved the color because its invoker is unusable here (gone for good, or no longer in the
   * view). After a conflict, someone else moved it meanwhile: their invoker stands unless it is one
   * we know to be gone, in which case we write again on the new revision.
   */
  private async writeReassignments(): Promise<void> {
    const backoff = new Backoff({ firstMs: 100, maxMs: this.options.maxBackoffMs ?? 5000 });
    while (this.reassignments.size > 0 && !this.stopped) {
      const batch = [...this.reassignments].slice(0, 1000);
      let current: Map<string, ColorDoc>;
      try {
        current = await this.fetchColors(batch.map(([color]) => color));
      } catch (err) {
        if (!isRetriable(err)) {
          this.logger?.warn({ err: String(err), count: batch.length }, 'cannot read colors to reassign');
          for (const [color, move] of batch)
            if (this.reassignments.get(color) === move) this.reassignments.delete(color);
          continue;
        }
        await backoff.wait();
        continue;
      }
      backoff.reset();
      const writes: Promise<void>[] = [];
      for (const [color, move] of batch) {
        if (this.reassignments.get(color) === move) this.reassignments.delete(color);
        const doc = current.get(color);
        if (doc && doc.invoker === move.invoker) continue;
        if (doc && move.conflicted && !this.gone.has(doc.invoker)) {
          this.adoptIfNew(doc);
          continue;
        }
        const next = {
          ...newColorDoc(color, move.invoker, this.options.controllerId),
          ...(doc?._rev ? { _rev: doc._rev } : {}),
        };
        writes.push(
          this.writer.write(next).then((o) => {
            if (o.ok) this.stats.written++;
            else if (o.error === 'conflict' && !this.reassignments.has(color))
              this.reassignments.set(color, { invoker: move.invoker, conflicted: true });
            else if (o.error !== 'closed')
              this.logger?.warn({ color, error: o.error }, 'color reassignment not written');
          }),
        );
      }
      await Promise.all(writes);
    }
  }

  /** Valid color documents for these colors (missing and malformed ones are absent). */
  private async fetchColors(colors: readonly string[]): Promise<Map<string, ColorDoc>> {
    const found = new Map<string, ColorDoc>();
    if (colors.length === 0) return found;
    for (const row of await fetchDocs(this.couch, 'colors', colors.map(colorDocId))) {
      if (!row.doc) continue;
      const doc = this.check(row.doc);
      if (doc) found.set(doc.color, doc);
    }
    return found;
  }

  private check(raw: unknown): ColorDoc | undefined {
    const result = checkColorDoc(raw);
    if (result.ok) return result.doc;
    this.stats.skipped++;
    const id = typeof raw === 'object' && raw !== null ? (raw as { _id?: unknown })._id : undefined;
    this.logger?.warn({ id, problem: result.problem }, 'skipping malformed color document');
    return undefined;
  }

  private adoptIfNew(doc: ColorDoc): boolean {
    if (this.gone.has(doc.invoker) || this.table.get(doc.color) === doc.invoker) return false;
    return this.adopt(doc);
  }

  /** The table may refuse a value (e.g. an invoker id out of its range): that is bad data too. */
  private adopt(doc: ColorDoc): boolean {
    try {
      this.table.adopt(doc.color, doc.invoker);
      return true;
    } catch (err) {
      this.stats.skipped++;
      this.logger?.warn({ id: doc._id, problem: String(err) }, 'skipping color document the table refused');
      return false;
    }
  }

  private async load(): Promise<void> {
    await readColorSnapshot(this.db, (raw) => {
      const doc = this.check(raw);
      if (doc && this.adopt(doc)) this.stats.loaded++;
    });
  }
}
