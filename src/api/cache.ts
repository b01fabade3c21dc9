/**
 * The one cache type for documents read from the store (DECISIONS R25): identities, actions,
 * packages, triggers, rules. Two independent bounds:
 *
 * - Freshness (`ttlMs`): a hit younger than this is served without asking the store, so another
 *   replica's writes are seen within that bound; this replica's own writes invalidate at once. With
 *   ttl 0 every load asks the store.
 * - Stale-if-error (`staleIfError`): when the store is unreachable (socket error, timeout, 5xx; a
 *   404 is an answer, not an outage), the last good copy is served for at most `maxAgeMs` after it
 *   was read. While the store is known to be down, stale copies are served at once, and at most one
 *   load per `probeMs` (shared by every cache on the same StoreReachability) goes to the store to
 *   find out whether it is back. With the store up nothing changes: the freshness bound alone rules.
 *
 * Size is capped by dropping the oldest insertion (a refreshed entry counts as new).
 */
import { ApiError, messages } from './errors.js';

/** Whether the store answers; shared by every cache (and writer) of one process. */
export interface StoreReachabilityListener {
  /** Called on every change: true when the store answers again. */
  (reachable: boolean): void;
}

/** What StoreReachability.untilDown answers when the store went away first. */
export const outage = Symbol('store unreachable');

export class StoreReachability {
  private down = false;
  private lastProbe = -Infinity;
  private readonly listeners: StoreReachabilityListener[] = [];

  constructor(
    /** While down, how often one load may go to the store to see whether it is back. */
    readonly probeMs = 500,
    private readonly now: () => number = Date.now,
  ) {}

  get isDown(): boolean {
    return this.down;
  }

  onChange(listener: StoreReachabilityListener): void {
    this.listeners.push(listener);
  }

  reachable(): void {
    if (!this.down) return;
    this.down = false;
    for (const l of this.listeners) l(true);
  }

  unreachable(): void {
    if (this.down) return;
    this.down = true;
    this.lastProbe = this.now();
    for (const l of this.listeners) l(false);
    for (const w of [...this.waiters]) w();
  }

  /**
   * `work`'s value, or `outage` as soon as the store is (or is found) unreachable, whichever comes
   * first: for a caller that would otherwise wait on a write queued through an outage.
   */
  async untilDown<T>(work: Promise<T>): Promise<T | typeof outage> {
    if (this.down) return outage;
    let waiter: (() => void) | undefined;
    const down = new Promise<typeof outage>((resolve) => {
      waiter = () => resolve(outage);
      this.waiters.add(waiter);
    });
    try {
      return await Promise.race([work, down]);
    } finally {
      this.waiters.delete(waiter!);
    }
  }

  private readonly waiters = new Set<() => void>();

  /** While down: true at most once per probeMs (the caller then asks the store). */
  mayProbe(): boolean {
    const now = this.now();
    if (now - this.lastProbe < this.probeMs) return false;
    this.lastProbe = now;
    return true;
  }
}

export interface StaleIfError {
  /** How long after the last good read a copy may still be served while the store is unreachable. */
  readonly maxAgeMs: number;
  /** An outage (connection refused/reset, timeout, 5xx), as opposed to an answer. */
  readonly isUnreachable: (err: unknown) => boolean;
  readonly reachability: StoreReachability;
  /** Told each time a stale copy is served (the metric `palette_store_stale_served_total{kind}`). */
  readonly onStaleServed?: () => void;
}

export interface EntityCacheOptions {
  readonly maxEntries?: number;
  readonly now?: () => number;
  readonly staleIfError?: StaleIfError;
}

interface Entry<V> {
  readonly value: V;
  /** When the store last answered with this value. */
  readonly readAt: number;
}

export class EntityCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Promise<V | undefined>>();
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly stale: StaleIfError | undefined;
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    options: EntityCacheOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
    this.stale = options.staleIfError;
  }

  /** A fresh value (younger than the ttl), or undefined. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.isFresh(entry)) return entry.value;
    if (!this.stale) this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0 && !this.stale) return;
    this.entries.delete(key);
    const now = this.now();
    // Entries are in insertion order: the front ones are the oldest, past every bound first.
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size < this.maxEntries && !this.expired(entry, now)) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, readAt: now });
  }

  delete(key: string): void {
    this.entries.delete(key);
    this.inflight.delete(key);
    this.generation++;
  }

  /** Forgets everything (a write that may change many keys at once, such as a package's parameters). */
  clear(): void {
    this.entries.clear();
    this.inflight.clear();
    this.generation++;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Loads through the cache; concurrent misses for one key share one load. A load answering
   * undefined (not found) forgets the key: an answer, never an outage.
   */
  async load(key: string, loader: () => Promise<V | undefined>): Promise<V | undefined> {
    const entry = this.entries.get(key);
    if (entry && this.isFresh(entry)) return entry.value;
    const fallback = entry && this.servable(entry) ? entry : undefined;
    if (fallback && this.stale?.reachability.isDown) {
      // Known outage: answer now; a probe now and then finds out when the store is back.
      if (this.stale.reachability.mayProbe()) this.fetch(key, loader).catch(() => undefined);
      return this.serveStale(fallback);
    }
    try {
      return await this.fetch(key, loader);
    } catch (err) {
      // Only the copy we had before this load, and only if no write replaced or removed it meanwhile.
      if (this.stale?.isUnreachable(err)) {
        if (fallback && this.entries.get(key) === fallback) return this.serveStale(fallback);
        // Nothing to serve while the store is away: a 503, as OpenWhisk's own answer when a part of
        // the platform is down, not an internal error.
        throw new ApiError(503, messages.serviceUnavailable);
      }
      throw err;
    }
  }

  private fetch(key: string, loader: () => Promise<V | undefined>): Promise<V | undefined> {
    let pending = this.inflight.get(key);
    if (!pending) {
      // A delete while the load runs means the loaded value may be stale: return it, never keep it.
      const generation = this.generation;
      const started = loader().then(
        (value) => {
          this.stale?.reachability.reachable();
          if (generation === this.generation) {
            if (value === undefined) this.entries.delete(key);
            else this.set(key, value);
          }
          return value;
        },
        (err: unknown) => {
          if (this.stale?.isUnreachable(err)) this.stale.reachability.unreachable();
          throw err;
        },
      );
      pending = started.finally(() => {
        if (this.inflight.get(key) === pending) this.inflight.delete(key);
      });
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private serveStale(entry: Entry<V>): V {
    this.stale?.onStaleServed?.();
    return entry.value;
  }

  private isFresh(entry: Entry<V>): boolean {
    return this.now() - entry.readAt < this.ttlMs;
  }

  private servable(entry: Entry<V>): boolean {
    return this.stale !== undefined && this.now() - entry.readAt <= this.stale.maxAgeMs;
  }

  private expired(entry: Entry<V>, now: number): boolean {
    return now - entry.readAt >= Math.max(this.ttlMs, this.stale?.maxAgeMs ?? 0);
  }
}

/** The former name (kept for code written against it): the same class. */
export { EntityCache as TtlCache };
