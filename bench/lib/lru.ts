/**
 * A least-recently-used cache of keys, the same policy as the timeline action's per-container
 * post cache (a Map in recency order: a hit moves the key to the end, an insert evicts the front).
 */
export class Lru<K> {
  private readonly entries = new Map<K, true>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0)
      throw new RangeError(`LRU capacity must be >= 0, got ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /**
   * Reads one timeline's keys as the action does: look every key up first (hits refresh recency),
   * then insert the misses in order. Returns the number of hits.
   */
  readAll(keys: readonly K[]): number {
    let hits = 0;
    const missed: K[] = [];
    for (const key of keys) {
      if (this.entries.has(key)) {
        this.entries.delete(key);
        this.entries.set(key, true);
        hits++;
      } else missed.push(key);
    }
    for (const key of missed) this.put(key);
    this.hits += hits;
    this.misses += missed.length;
    return hits;
  }

  private put(key: K): void {
    this.entries.delete(key);
    this.entries.set(key, true);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }
}
