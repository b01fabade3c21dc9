/**
 * Which offset a consumer may commit when handlers finish out of order: the first offset whose
 * handler has not finished. Committing it means "everything before it is done", so a restart
 * re-delivers only unfinished messages (at-least-once, never a gap).
 */
export class OffsetTracker {
  private readonly finished = new Set<number>();

  /** `next`: the first offset not yet finished (where a restarted consumer would begin). */
  constructor(private nextOffset: number) {}

  get next(): number {
    return this.nextOffset;
  }

  /** Records that `offset` finished; returns true when `next` moved. */
  finish(offset: number): boolean {
    if (offset < this.nextOffset) return false;
    this.finished.add(offset);
    const before = this.nextOffset;
    while (this.finished.delete(this.nextOffset)) this.nextOffset += 1;
    return this.nextOffset !== before;
  }
}
