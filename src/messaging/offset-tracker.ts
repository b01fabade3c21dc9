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

/**
 * The same rule for one Kafka partition, where offsets need not be contiguous (control records,
 * compaction) and messages are started in offset order but finish in any order. `next` is the
 * offset to commit: the first started offset whose handler has not finished, or, when every
 * started one has, one past the last started. It never passes an unfinished message.
 */
export class OffsetWindow {
  /** Started offsets, ascending; those before `head` have finished. */
  private started: number[] = [];
  private head = 0;
  private readonly finished = new Set<number>();
  private first: number | undefined;
  private end: number | undefined;

  /** The offset to commit, or undefined before anything was started. */
  get next(): number | undefined {
    return this.head < this.started.length ? this.started[this.head] : this.end;
  }

  /** True for an offset this window has already started (running or finished). */
  has(offset: number): boolean {
    return this.first !== undefined && this.end !== undefined && offset >= this.first && offset < this.end;
  }

  /** True when `offset` may start next: nothing started yet, or it lies past every started one. */
  canStart(offset: number): boolean {
    return this.end === undefined || offset >= this.end;
  }

  /** Records that the handler of `offset` started; offsets must come in ascending order. */
  start(offset: number): void {
    if (this.end !== undefined && offset < this.end) {
      throw new Error(`offset ${offset} started out of order (window ends at ${this.end})`);
    }
    this.first ??= offset;
    this.started.push(offset);
    this.end = offset + 1;
  }

  /** Records that the handler of `offset` finished; returns true when `next` moved. */
  finish(offset: number): boolean {
    if (this.head >= this.started.length || offset < (this.started[this.head] as number)) return false;
    this.finished.add(offset);
    const before = this.head;
    while (this.head < this.started.length && this.finished.delete(this.started[this.head] as number)) {
      this.head += 1;
    }
    // Drop the finished prefix now and then so the array stays as small as the window.
    if (this.head > 1024 && this.head * 2 > this.started.length) {
      this.started = this.started.slice(this.head);
      this.head = 0;
    }
    return this.head !== before;
  }
}
