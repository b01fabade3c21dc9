/**
 * The replay discipline shared by the simulation and the platform run: a closed loop per color
 * with a fixed number of requests in flight overall.
 *
 * - A color never has two requests in flight: its next request is issued only after the previous
 *   one answered, so "a hit after the first call" means what it says.
 * - At most `concurrency` requests are in flight. Whenever a slot is free, the request issued next
 *   is the earliest one in the trace whose color is idle (earliest-ready first), provided it lies
 *   within `window` positions of the earliest request not yet issued. Within a color the trace
 *   order is kept; across colors requests overtake each other only inside the window.
 * - Why a window: with unlimited look-ahead the cold colors finish early and the run ends with a
 *   long tail of the hottest colors alone (the hottest user has 13% of a Zipf 0.99 trace), which
 *   changes the mix every cache sees. The window keeps the trace's mix at every moment; the price
 *   is that the hottest colors limit how many requests are in flight.
 */
import { Heap } from './heap.js';

export interface ColoredItem {
  readonly index: number;
  readonly color: string;
}

export class ClosedLoopDispatcher<T extends ColoredItem> {
  /** Per color: the trace positions of its requests not yet issued, in order, and a cursor. */
  private readonly queues = new Map<string, { positions: number[]; next: number; busy: boolean }>();
  /** Trace positions of the head request of every idle color with work left. */
  private readonly ready = new Heap<number>((a, b) => a < b);
  private inFlight = 0;
  private completed = 0;
  private readonly issued: Uint8Array;
  /** The earliest trace position not yet issued. */
  private oldest = 0;

  constructor(
    private readonly items: readonly T[],
    readonly concurrency: number,
    readonly window: number = Number.POSITIVE_INFINITY,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new RangeError(`concurrency must be >= 1, got ${concurrency}`);
    if (!(window >= 1)) throw new RangeError(`window must be >= 1, got ${window}`);
    this.issued = new Uint8Array(items.length);
    items.forEach((item, position) => {
      let queue = this.queues.get(item.color);
      if (!queue) this.queues.set(item.color, (queue = { positions: [], next: 0, busy: false }));
      queue.positions.push(position);
    });
    for (const queue of this.queues.values()) this.ready.push(queue.positions[0]!);
  }

  get done(): boolean {
    return this.completed === this.items.length;
  }

  get running(): number {
    return this.inFlight;
  }

  /** Requests issued so far. */
  get started(): number {
    let count = 0;
    for (const flag of this.issued) count += flag;
    return count;
  }

  get finished(): number {
    return this.completed;
  }

  /** The next request to issue now, or undefined (all slots taken, or every pending color busy). */
  next(): T | undefined {
    if (this.inFlight >= this.concurrency) return undefined;
    const head = this.ready.peek();
    if (head === undefined || head >= this.oldest + this.window) return undefined;
    const position = this.ready.pop()!;
    this.issued[position] = 1;
    while (this.oldest < this.items.length && this.issued[this.oldest]) this.oldest++;
    const item = this.items[position]!;
    const queue = this.queues.get(item.color)!;
    queue.busy = true;
    queue.next++;
    this.inFlight++;
    return item;
  }

  /** Marks the color's in-flight request answered; its next request becomes ready. */
  complete(item: T): void {
    const queue = this.queues.get(item.color);
    if (!queue || !queue.busy) throw new Error(`color ${item.color} has nothing in flight`);
    queue.busy = false;
    this.inFlight--;
    this.completed++;
    if (queue.next < queue.positions.length) this.ready.push(queue.positions[queue.next]!);
  }
}
