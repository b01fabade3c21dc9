/**
 * Port between the least-assigned policy's in-memory table (pure) and its persistence
 * (src/store, CouchDB). The table notifies a listener of every decision it makes itself; it does
 * not notify for assignments it adopts (loaded at start, learned from another replica).
 */
import { checkInvokerId } from './common.js';

export type AssignmentReason = 'new' | 'reassigned';

export interface ColorAssignmentListener {
  onAssignment(color: string, invoker: number, reason: AssignmentReason): void;
}

/**
 * The least-assigned policy's table: color -> invoker, plus how many colors each invoker holds.
 * A new color goes to the candidate holding the fewest colors (ties: lowest id), so the choice is
 * the same in every replica holding the same table.
 *
 * Memory: one Map entry per color (the color string, a small-integer invoker id stored unboxed)
 * and one Int32Array slot per invoker id; about 100 bytes per color including the string
 * (`npm run bench:policies` measures it).
 */
export class ColorTable {
  private readonly owner = new Map<string, number>();
  private counts = new Int32Array(64);
  private listener: ColorAssignmentListener | undefined;
  private changes = 0;

  /** Bumped by every change to the table, so callers can cache what they derive from the counts. */
  get version(): number {
    return this.changes;
  }

  setListener(listener: ColorAssignmentListener | undefined): void {
    this.listener = listener;
  }

  get(color: string): number | undefined {
    return this.owner.get(color);
  }

  get size(): number {
    return this.owner.size;
  }

  /** Colors currently assigned to `invoker`. */
  countFor(invoker: number): number {
    return invoker >= 0 && invoker < this.counts.length ? this.counts[invoker]! : 0;
  }

  /** The candidate with the fewest colors, ties to the lowest id; undefined if there is none. */
  leastAssigned(candidates: Iterable<number>): number | undefined {
    let best: number | undefined;
    let bestCount = Infinity;
    for (const id of candidates) {
      const count = this.countFor(id);
      if (count < bestCount || (count === bestCount && id < best!)) {
        best = id;
        bestCount = count;
      }
    }
    return best;
  }

  /**
   * Assigns `color` (new, or moving) to the candidate with the fewest colors and tells the
   * listener. Throws if there is no candidate.
   */
  assign(color: string, candidates: Iterable<number>, reason: AssignmentReason = 'new'): number {
    const invoker = this.leastAssigned(candidates);
    if (invoker === undefined)
      throw new RangeError(`no candidate invoker to assign color ${JSON.stringify(color)}`);
    this.set(color, invoker);
    this.listener?.onAssignment(color, invoker, reason);
    return invoker;
  }

  /** Records an assignment made elsewhere (loaded from the store, or by another replica): no notification. */
  adopt(color: string, invoker: number): void {
    this.set(color, invoker);
  }

  /** Forgets a color (its record was deleted); no notification. */
  delete(color: string): boolean {
    const previous = this.owner.get(color);
    if (previous === undefined) return false;
    this.owner.delete(color);
    this.counts[previous]!--;
    this.changes++;
    return true;
  }

  /**
   * `invoker` is gone for good: each of its colors, in string order so replicas agree, goes to the
   * least-assigned of `remaining` (the listener hears 'reassigned'). With no remaining invoker the
   * colors stay where they are, to be reassigned when they are next placed. Returns how many moved.
   */
  removeInvoker(invoker: number, remaining: Iterable<number>): number {
    const others = [...new Set(remaining)].filter((id) => id !== invoker);
    if (others.length === 0) return 0;
    const colors: string[] = [];
    for (const [color, id] of this.owner) if (id === invoker) colors.push(color);
    colors.sort();
    for (const color of colors) this.assign(color, others, 'reassigned');
    return colors.length;
  }

  entries(): IterableIterator<[string, number]> {
    return this.owner.entries();
  }

  private set(color: string, invoker: number): void {
    checkInvokerId(invoker);
    const previous = this.owner.get(color);
    if (previous === invoker) return;
    if (previous !== undefined) this.counts[previous]!--;
    if (invoker >= this.counts.length) {
      const grown = new Int32Array(Math.max(invoker + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    this.owner.set(color, invoker);
    this.counts[invoker]!++;
    this.changes++;
  }
}
