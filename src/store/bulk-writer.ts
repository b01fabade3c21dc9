/**
 * Batched document writes through `_bulk_docs`, as OpenWhisk's activation store batches them.
 *
 * Documents queue in memory and go out together when `maxBatch` are waiting or `flushMs` after the
 * first one arrived. Each write resolves with its own per-document outcome (CouchDB answers
 * conflicts and rejections per document inside a successful bulk request). When the whole request
 * fails because the server is unreachable or failing (socket error, 5xx, 429), the batch goes back
 * to the front of the queue and is retried with exponential backoff until it is written: an outage
 * delays writes, it does not lose them. Only `close()` gives up, reporting what it could not write.
 *
 * With a WriteBacklog (DECISIONS R25) the documents waiting in all of a process's writers are bounded:
 * at the bound a write is answered `queue_full` at once. A document sent again after a request that
 * may have reached the server (its answer was lost) and then answered `conflict` is marked
 * `replayed`: for a create-only document with a unique id that conflict is most likely our own
 * earlier write, and callers may count it as stored.
 */
import type nano from 'nano';
import type { Logger } from 'pino';
import { isRetriable, isUnreachable, statusOf } from './couch.js';
import type { WriteBacklog } from './write-backlog.js';
import { sleep } from '../retry/backoff.js';

export type WriteOutcome =
  | { readonly ok: true; readonly id: string; readonly rev: string }
  | {
      readonly ok: false;
      readonly id: string;
      readonly error: string;
      readonly reason?: string;
      /** Sent before in a request whose answer was lost: a conflict may be this very document. */
      readonly replayed?: boolean;
    };

/** Stored, or (a create-only document with a unique id) found there already: nothing is lost. */
export function storedOrPresent(outcome: WriteOutcome): boolean {
  return outcome.ok || outcome.error === 'conflict';
}

export interface BulkWriterOptions {
  readonly maxBatch?: number;
  readonly flushMs?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly logger?: Logger;
  /** What the writer stores, for log lines. */
  readonly what?: string;
  /** The process's bound on documents waiting to be written (absent: unbounded). */
  readonly backlog?: WriteBacklog;
  /** Told when a request fails because the server is unreachable, and when one succeeds. */
  readonly reachability?: { reachable(): void; unreachable(): void };
}

/** The one call the writer needs: `_bulk_docs` (couch.ts bulkDocs gives one with a deadline). */
export type BulkTarget = (body: nano.BulkModifyDocsWrapper) => Promise<nano.DocumentBulkResponse[]>;

interface Pending<D> {
  readonly doc: D;
  readonly resolve: (outcome: WriteOutcome) => void;
  /** In a request that failed as a whole: it may have been written all the same. */
  resent?: boolean;
}

export class BulkWriter<D extends { _id: string }> {
  private readonly queue: Pending<D>[] = [];
  private readonly maxBatch: number;
  private readonly flushMs: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private backoffMs = 0;
  private closed = false;
  /** Retries since the last success (one log line per outage, not one per retry). */
  private failing = 0;
  /** Requests that failed as a whole and were retried (an outage shows here). */
  retries = 0;
  /** `_bulk_docs` requests that succeeded. */
  requests = 0;

  constructor(
    private readonly bulk: BulkTarget,
    options: BulkWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.flushMs = options.flushMs ?? 20;
    this.minBackoffMs = options.minBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.logger = options.logger;
    this.what = options.what ?? 'documents';
    this.backlog = options.backlog;
    this.reachability = options.reachability;
  }

  private readonly logger: Logger | undefined;
  private readonly what: string;
  private readonly backlog: WriteBacklog | undefined;
  private readonly reachability: BulkWriterOptions['reachability'];

  /** Documents waiting to be written (including a batch being retried). */
  get pending(): number {
    return this.queue.length;
  }

  write(doc: D): Promise<WriteOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, id: doc._id, error: 'closed' });
    const backlog = this.backlog;
    if (backlog && !backlog.admit(this.what))
      return Promise.resolve({ ok: false, id: doc._id, error: 'queue_full' });
    return new Promise((resolve) => {
      const settle = backlog
        ? (outcome: WriteOutcome) => {
            backlog.release();
            resolve(outcome);
          }
        : resolve;
      this.queue.push({ doc, resolve: settle });
      this.schedule();
    });
  }

  /** Resolves once everything queued so far has been written (waits through an outage). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.running) {
        await this.running;
        continue;
      }
      if (this.queue.length === 0) return;
      this.clearTimer();
      await this.drain();
      if (this.queue.length > 0 && this.backoffMs > 0) await sleep(this.backoffMs);
    }
  }

  /** Stops accepting writes; tries once more to write what is queued, then reports what it drops. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    await this.running;
    if (this.queue.length > 0) await this.drain(true);
    const dropped = this.queue.splice(0);
    if (dropped.length > 0) {
      this.logger?.warn({ count: dropped.length }, `closing with ${this.what} not written`);
      for (const p of dropped) p.resolve({ ok: false, id: p.doc._id, error: 'closed' });
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.running || this.timer || this.queue.length === 0) return;
    const delay = this.backoffMs > 0 ? this.backoffMs : this.queue.length >= this.maxBatch ? 0 : this.flushMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delay);
    this.timer.unref();
  }

  /** Writes batches until the queue is empty or a request fails (then backs off). */
  private drain(once = false): Promise<void> {
    const run = async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        let results: nano.DocumentBulkResponse[];
        try {
          results = await this.bulk({ docs: batch.map((p) => p.doc) });
        } catch (err) {
          if (isRetriable(err)) {
            for (const p of batch) p.resent = true;
            this.queue.unshift(...batch);
            if (isUnreachable(err)) this.reachability?.unreachable();
          }
          if (isRetriable(err) && !once) {
            this.retries++;
            this.backoffMs = Math.min(this.maxBackoffMs, Math.max(this.minBackoffMs, this.backoffMs * 2));
            if (this.failing++ === 0)
              this.logger?.warn(
                { err: String(err), queued: this.queue.length },
                `cannot write ${this.what}; keeping them and retrying until CouchDB answers`,
              );
            return;
          }
          if (isRetriable(err)) return;
          const error = `http_${statusOf(err) ?? 'error'}`;
          for (const p of batch) p.resolve({ ok: false, id: p.doc._id, error, reason: String(err) });
          continue;
        }
        this.requests++;
        this.backoffMs = 0;
        this.reachability?.reachable();
        if (this.failing > 0) {
          this.logger?.warn(
            { retries: this.failing, queued: this.queue.length + batch.length },
            `CouchDB answers again; writing the ${this.what} kept meanwhile`,
          );
          this.failing = 0;
        }
        batch.forEach((p, i) => {
          const r = results[i];
          if (r && !r.error && r.rev) p.resolve({ ok: true, id: p.doc._id, rev: r.rev });
          else
            p.resolve({
              ok: false,
              id: p.doc._id,
              error: r?.error ?? 'missing_result',
              reason: r?.reason,
              ...(p.resent ? { replayed: true } : {}),
            });
        });
      }
    };
    this.running = run().finally(() => {
      this.running = undefined;
      if (!this.closed) this.schedule();
    });
    return this.running;
  }
}
