/**
 * A small time-bounded cache for the invoke hot path (identities, action documents). Entries expire
 * after `ttlMs`, so another controller replica's writes are seen within that bound; this replica's
 * own writes invalidate at once. Size is capped by dropping the oldest insertion.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
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

  /** Loads through the cache; concurrent misses for one key share one load. */
  async load(key: string, loader: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    // A delete while the load runs means the loaded value may be stale: return it, never keep it.
    const generation = this.generation;
    let pending = this.inflight.get(key);
    if (!pending) {
      const started = loader().finally(() => {
        if (this.inflight.get(key) === started) this.inflight.delete(key);
      });
      pending = started;
      this.inflight.set(key, pending);
    }
    const value = await pending;
    if (value !== undefined && generation === this.generation) this.set(key, value);
    return value;
  }

  private readonly inflight = new Map<string, Promise<V | undefined>>();
  private generation = 0;
}
