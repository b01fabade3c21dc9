/**
 * First decisions confirmed through the store (issue 15 item 5): replicas agree on a new color's
 * invoker before any of them publishes to it.
 *
 * The color document is created without a revision, so CouchDB lets exactly one replica create it.
 * When this replica's table decides a new color, the decision is pending until its create answers:
 * - created: ours stands;
 * - 409: another replica decided first; its document is read and adopted into the table, and the
 *   pending decision settles on that invoker;
 * - the store cannot be reached (a `_bulk_docs` request failed as a whole, or no answer within
 *   `waitMs`, by default a store request's deadline): the local decision stands, the invoke goes on, and the write keeps being retried
 *   (a conflict found later is adopted then, so the replicas converge). Until the store answers
 *   again, new colors are not held at all: an outage costs each new color nothing.
 *
 * The controller shell asks `wait(color)` after placing an activation. A known color has no pending
 * entry: one Map lookup on a map that is empty between bursts of new colors.
 *
 * Pure bookkeeping with timers; the persistent table (persistent-color-table.ts) reports outcomes.
 */
import type { Logger } from 'pino';
import { defaultRequestTimeoutMs } from './couch.js';

/** Where a pending first decision ended, and why. */
export type ConfirmationSource = 'created' | 'adopted' | 'local';

export interface ConfirmationStats {
  /** Our create won: the local decision was the first. */
  created: number;
  /** Another replica's create won: its invoker was adopted before publishing. */
  adopted: number;
  /** The store did not answer in time (or failed): the local decision was used. */
  local: number;
}

interface Pending {
  readonly local: number;
  readonly settled: Promise<number>;
  resolve(invoker: number): void;
}

/**
 * A slow store is waited for as long as a store request's own deadline (couch.ts): on a loaded
 * machine a batch of creates can take seconds, and giving up early is what makes replicas disagree.
 * An unreachable store is not waited for at all: a refused or failed request releases at once.
 */
export const defaultConfirmationWaitMs = defaultRequestTimeoutMs;

export class ColorConfirmations {
  readonly stats: ConfirmationStats = { created: 0, adopted: 0, local: 0 };
  private readonly pending = new Map<string, Pending>();
  private readonly waitMs: number;
  private storeDown = false;
  private readonly logger: Logger | undefined;

  constructor(options: { waitMs?: number; logger?: Logger } = {}) {
    this.waitMs = options.waitMs ?? defaultConfirmationWaitMs;
    this.logger = options.logger;
  }

  /** Colors whose first decision still waits for the store. */
  get size(): number {
    return this.pending.size;
  }

  /** Whether new colors currently go without confirmation (the store failed and has not answered since). */
  get bypassing(): boolean {
    return this.storeDown;
  }

  /** The table decided a new color; its create-only document is on its way. */
  begin(color: string, invoker: number): void {
    if (this.storeDown || this.pending.has(color)) return;
    let resolve!: (invoker: number) => void;
    const settled = new Promise<number>((r) => (resolve = r));
    this.pending.set(color, { local: invoker, settled, resolve });
  }

  /** The store answered for this color: `invoker` is the one in its document. */
  settle(color: string, invoker: number, source: Exclude<ConfirmationSource, 'local'>): void {
    if (this.storeDown) {
      this.storeDown = false;
      this.logger?.info('the store answers again: new colors wait for their confirmation again');
    }
    const entry = this.pending.get(color);
    if (!entry) return;
    this.pending.delete(color);
    this.stats[source]++;
    entry.resolve(invoker);
  }

  /** A store request failed as a whole: every pending decision stands as made, and new ones are not held. */
  storeFailed(): void {
    this.down('a store request failed');
    for (const color of [...this.pending.keys()]) this.giveUp(color);
  }

  /** The create was rejected for another reason than a conflict: the local decision stands. */
  abandon(color: string): void {
    this.giveUp(color);
  }

  /**
   * The invoker this color's first decision settled on, or undefined at once when nothing is
   * pending for it (a known color, or the store is down). Waits at most `waitMs`.
   */
  wait(color: string): Promise<number> | undefined {
    const entry = this.pending.get(color);
    if (!entry) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        if (this.pending.get(color) === entry) {
          this.down(`no answer within ${this.waitMs} ms`);
          this.giveUp(color);
        }
        resolve(entry.local);
      }, this.waitMs);
      timer.unref();
    });
    return Promise.race([entry.settled, timeout]).finally(() => clearTimeout(timer));
  }

  /** Settles everything on the local decisions (stopping). */
  clear(): void {
    for (const color of [...this.pending.keys()]) this.giveUp(color);
  }

  private down(reason: string): void {
    if (!this.storeDown)
      this.logger?.warn(
        { reason, pending: this.pending.size },
        'new colors are placed without confirmation until the store answers (replicas may disagree meanwhile)',
      );
    this.storeDown = true;
  }

  private giveUp(color: string): void {
    const entry = this.pending.get(color);
    if (!entry) return;
    this.pending.delete(color);
    this.stats.local++;
    entry.resolve(entry.local);
  }
}
