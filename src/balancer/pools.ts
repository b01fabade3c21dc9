/**
 * Which invokers an action may go to, by its kind, before any policy chooses among them.
 *
 * - OpenWhisk's managed/blackbox split (ShardingContainerPoolBalancer.updateInvokers): over the
 *   status vector of `size` = largest invoker id + 1 entries, managed actions use the first
 *   max(1, ceil(size x managedFraction)) and blackbox actions (exec.pull) the last
 *   max(1, floor(size x blackboxFraction)); the two overlap when there are too few invokers for
 *   both. Palette has one knob, the blackbox fraction f (PALETTE_BLACKBOX_FRACTION), and
 *   managedFraction = 1 - f. f = 0 turns the split off: every invoker serves both (OpenWhisk would
 *   still keep its last invoker for blackboxes).
 * - Palette's own invokers run Node.js only and say so with a tag in their ping: a non-Node.js
 *   action is placed only among invokers without it.
 *
 * `PooledPolicy` applies both to any policy: per candidate set it keeps its own instance of the
 * policy (from a factory), told that set's members and handed that set's slice of the view, so every
 * policy, colored or not, chooses within the action's pool and a color never crosses pools.
 */
import { Members } from './common.js';
import type { Decision, InvokerView, PlacementRequest, Policy } from './types.js';

export interface PoolSplit {
  /** Managed actions use ids below this. */
  readonly managedEnd: number;
  /** Blackbox actions use ids from this on. */
  readonly blackboxStart: number;
}

/** OpenWhisk's split of a status vector of `size` entries; with f = 0 both pools are everything. */
export function splitPools(size: number, fraction: number): PoolSplit {
  const f = Math.max(0, Math.min(1, fraction));
  if (f === 0 || size === 0) return { managedEnd: size, blackboxStart: 0 };
  // 1 - f as the decimal an OpenWhisk operator would write (1 - 0.7 is 0.30000000000000004 in doubles).
  const managedFraction = Math.round((1 - f) * 1e12) / 1e12;
  // OpenWhisk's own rule, float error included: blackboxFraction = max(1 - managedFraction, f).
  const blackboxFraction = Math.max(1 - managedFraction, f);
  const managed = Math.max(1, Math.ceil(size * managedFraction));
  const blackboxes = Math.max(1, Math.floor(size * blackboxFraction));
  return { managedEnd: Math.min(size, managed), blackboxStart: Math.max(0, size - blackboxes) };
}

export interface PoolOptions {
  /** PALETTE_BLACKBOX_FRACTION; 0 (no split) by default. */
  readonly blackboxFraction?: number;
  /** The tag of invokers that run Node.js only (Palette's `palette-nodejs`). */
  readonly nodejsOnlyTag: string;
  /** An invoker's tags, as its latest ping gave them (asked whenever the members are set). */
  readonly tagsOf: (id: number) => readonly string[];
}

/** The four candidate sets: [managed, blackbox] x [any invoker, only untagged invokers]. */
const poolCount = 4;

function poolIndex(request: PlacementRequest): number {
  return (request.blackbox === true ? 2 : 0) + (request.nonNodejs === true ? 1 : 0);
}

interface Pool {
  /** The candidate ids, ascending. */
  ids: number[];
  /** Which pool's policy and view slice this one shares (itself unless its ids equal a lower pool's). */
  owner: number;
  policy: Policy | undefined;
  /** The view the slice was cut from, and the slice (entries shared with it, so loads stay live). */
  source: readonly InvokerView[] | undefined;
  slice: InvokerView[];
}

export class PooledPolicy implements Policy {
  readonly name: string;
  private readonly members = new Members();
  private readonly pools: Pool[];

  /** `create(0)` is the main instance (managed, any invoker); others are made when first needed. */
  constructor(
    private readonly create: (pool: number) => Policy,
    private readonly options: PoolOptions,
  ) {
    const main = create(0);
    this.name = main.name;
    this.pools = Array.from({ length: poolCount }, (_, i) => ({
      ids: [],
      owner: i,
      policy: i === 0 ? main : undefined,
      source: undefined,
      slice: [],
    }));
  }

  /** Recomputes the candidate sets (tags may have changed even when the ids did not). */
  setMembers(ids: readonly number[]): void {
    this.members.set(ids);
    const all = this.members.ids;
    const split = splitPools(this.members.idLimit, this.options.blackboxFraction ?? 0);
    const untagged = (id: number) => !this.options.tagsOf(id).includes(this.options.nodejsOnlyTag);
    const candidates = [
      all.filter((id) => id < split.managedEnd),
      all.filter((id) => id < split.managedEnd && untagged(id)),
      all.filter((id) => id >= split.blackboxStart),
      all.filter((id) => id >= split.blackboxStart && untagged(id)),
    ];
    // OpenWhisk's sharding hashes over its managedInvokers or blackboxInvokers: those slices.
    const managedSlice = { start: 0, end: split.managedEnd };
    const blackboxSlice = { start: split.blackboxStart, end: this.members.idLimit };
    const slicesEqual = managedSlice.start === blackboxSlice.start && managedSlice.end === blackboxSlice.end;
    candidates.forEach((set, i) => {
      const pool = this.pools[i]!;
      // Shares a lower pool's policy when it has the same candidates from the same vector slice.
      const same = candidates.findIndex(
        (other, k) =>
          (k < 2 === i < 2 || slicesEqual) &&
          other.length === set.length &&
          other.every((id, j) => id === set[j]),
      );
      pool.ids = set;
      pool.owner = same;
      pool.source = undefined;
      if (same === i) {
        pool.policy ??= this.create(i);
        pool.policy.setMembers(set, i < 2 ? managedSlice : blackboxSlice);
      }
    });
  }

  choose(request: PlacementRequest, view: readonly InvokerView[]): Decision | undefined {
    this.members.check(view);
    const pool = this.pools[this.pools[poolIndex(request)]!.owner]!;
    if (pool.ids.length === 0) return undefined;
    return pool.policy!.choose(request, this.sliceOf(pool, view));
  }

  order(request: PlacementRequest): Iterable<number> {
    const pool = this.pools[this.pools[poolIndex(request)]!.owner]!;
    return pool.ids.length === 0 ? [] : pool.policy!.order(request);
  }

  /** The pool's candidate ids (tests, metrics). */
  candidates(request: Pick<PlacementRequest, 'blackbox' | 'nonNodejs'>): readonly number[] {
    return this.pools[poolIndex(request as PlacementRequest)]!.ids;
  }

  /**
   * The pool's part of `view`. The tracker hands the same array (entries updated in place) until
   * the invoker set changes, so the slice is cut once per membership; another array is cut afresh.
   */
  private sliceOf(pool: Pool, view: readonly InvokerView[]): readonly InvokerView[] {
    if (pool.ids.length === view.length) return view;
    if (pool.source !== view) {
      pool.slice = pool.ids.map((id) => this.members.viewOf(view, id));
      pool.source = view;
    }
    return pool.slice;
  }
}
