/**
 * Port between the least-assigned policy's in-memory table (pure) and its persistence
 * (src/store, CouchDB). The table notifies a listener of every decision it makes itself; it does
 * not notify for assignments it adopts (loaded at start, learned from another replica).
 */
import { checkInvokerId, fmix32, stableHash32 } from './common.js';

export type AssignmentReason = 'new' | 'reassigned';

export interface ColorAssignmentListener {
  onAssignment(color: string, invoker: number, reason: AssignmentReason): void;
}

/**
 * How many colors above the fewest an invoker may hold and still take a new color. Replicas place
 * new colors at the same moment from tables that differ by the decisions not yet exchanged; a
 * choice among the near-least by a hash of the color lets those slightly different tables still
 * agree (test/unit/balancer/first-decision.test.ts measures it), at the cost of a spread of at most
 * `slack + 1` colors between invokers.
 */
export const DEFAULT_SLACK = 8;

/**
 * The least-assigned policy's table: color -> invoker, plus how many colors each invoker holds.
 * A new color goes to one of the candidates holding at most `slack` colors more than the fewest:
 * the one ranked first by a rendezvous hash of (color, invoker). The choice depends only on the
 * table and the color, so every replica holding the same table makes it, and replicas whose
 * tables differ by a few colors mostly still do.
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
  readonly slack: number;

  constructor(options: { slack?: number } = {}) {
    const slack = options.slack ?? DEFAULT_SLACK;
    if (!Number.isInteger(slack) || slack < 0)
      throw new RangeError(`slack must be an integer >= 0: ${slack}`);
    this.slack = slack;
  }

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
   * The candidate a new color goes to: among those holding at most `slack` colors more than the
   * fewest, the highest rendezvous score of (color, id), ties to the lowest id. Undefined if there
   * is no candidate. Reads the table only.
   */
  choose(color: string, candidates: Iterable<number>): number | undefined {
    const ids = Array.isArray(candidates) ? (candidates as readonly number[]) : [...candidates];
    let fewest = Infinity;
    for (const id of ids) fewest = Math.min(fewest, this.countFor(id));
    const ceiling = fewest + this.slack;
    const colorHash = stableHash32(color);
    let best: number | undefined;
    let bestScore = -1;
    for (const id of ids) {
      if (this.countFor(id) > ceiling) continue;
      const score = rendezvousScore(colorHash, id);
      if (score > bestScore || (score === bestScore && id < best!)) {
        best = id;
        bestScore = score;
      }
    }
    return best;
  }

  /**
   * Assigns `color` (new, or moving) to the candidate `choose` names and tells the listener.
   * Throws if there is no candidate.
   */
  assign(color: string, candidates: Iterable<number>, reason: AssignmentReason = 'new'): number {
    const invoker = this.choose(color, candidates);
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
   * `invoker` is gone for good: each of its colors, in string order so replicas agree, goes where
   * `choose` puts it among `remaining` (the listener hears 'reassigned'). With no remaining invoker the
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

/** A well-mixed 32-bit score of (color, invoker): the color is hashed once per decision. */
function rendezvousScore(colorHash: number, id: number): number {
  return fmix32((colorHash ^ Math.imul(id + 1, 0x9e3779b1)) >>> 0);
}
