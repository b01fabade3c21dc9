/**
 * The bound on documents waiting to be written (DECISIONS R25), shared by every batch writer of a
 * process: activation records, placement records, color assignments. While CouchDB is unreachable
 * the writers keep what they were given and retry; this is what stops that from growing without
 * end. At the bound a new document is refused (its writer answers `queue_full`), counted, and the
 * first refusal of an episode logs one line; the episode ends, with one more line saying how many
 * were dropped, once the backlog is down to half the bound.
 */
import type { Logger } from 'pino';

export interface WriteBacklogObserver {
  /** Documents now waiting (the gauge `palette_store_write_queue`). */
  queued?(count: number): void;
  /** A document refused at the bound (the counter `palette_store_write_dropped_total`). */
  dropped?(): void;
}

export class WriteBacklog {
  private waiting = 0;
  private droppedNow = 0;
  /** Refused since the process started. */
  dropped = 0;

  constructor(
    readonly max: number,
    private readonly logger?: Logger,
    private readonly observer: WriteBacklogObserver = {},
  ) {}

  get queued(): number {
    return this.waiting;
  }

  /** Takes a place for one document; false at the bound (the document is to be dropped). */
  admit(what: string): boolean {
    if (this.waiting >= this.max) {
      this.dropped++;
      this.observer.dropped?.();
      if (this.droppedNow++ === 0)
        this.logger?.error(
          { queued: this.waiting, max: this.max, first: what },
          `CouchDB write queue full (${this.max} documents): dropping new records, placements and ` +
            'color assignments until CouchDB catches up (raise PALETTE_WRITE_QUEUE_MAX to keep more)',
        );
      return false;
    }
    this.waiting++;
    this.observer.queued?.(this.waiting);
    return true;
  }

  /** A document left the queue (written, refused by CouchDB, or given up at close). */
  release(): void {
    this.waiting = Math.max(0, this.waiting - 1);
    this.observer.queued?.(this.waiting);
    // Half the bound, so a queue hovering at it does not log an episode per document.
    if (this.droppedNow > 0 && this.waiting <= this.max / 2) {
      this.logger?.warn(
        { dropped: this.droppedNow, queued: this.waiting },
        'CouchDB write queue below its bound again; documents dropped while it was full are lost',
      );
      this.droppedNow = 0;
    }
  }
}
