/**
 * A map that remembers only its newest entries: those set within `windowMs`, at most `max` of
 * them (oldest dropped first). Kept as a FIFO of insertions beside the lookup map, so pruning looks
 * at the oldest insertion only (O(1) per insert), instead of iterating a Map from its start, which
 * in V8 walks over every deleted slot and made the hot path cost hundreds of microseconds.
 */
export class RecentMap<V> {
  private readonly live = new Map<string, { readonly value: V; readonly at: number }>();
  private order: { readonly key: string; readonly at: number }[] = [];
  private head = 0;

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
  ) {}

  set(key: string, value: V, now: number): void {
    this.live.set(key, { value, at: now });
    this.order.push({ key, at: now });
    this.prune(now);
  }

  get(key: string): V | undefined {
    return this.live.get(key)?.value;
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  delete(key: string): void {
    this.live.delete(key);
  }

  get size(): number {
    return this.live.size;
  }

  /** Live entries, newest first. */
  *newest(): Generator<[string, V]> {
    for (let i = this.order.length - 1; i >= this.head; i--) {
      const { key, at } = this.order[i]!;
      const entry = this.live.get(key);
      if (entry !== undefined && entry.at === at) yield [key, entry.value];
    }
  }

  /** Drops what is older than the window or beyond the bound. */
  prune(now: number): void {
    const oldest = now - this.windowMs;
    while (this.head < this.order.length) {
      const first = this.order[this.head]!;
      if (first.at >= oldest && this.order.length - this.head <= this.max) break;
      if (this.live.get(first.key)?.at === first.at) this.live.delete(first.key);
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}
