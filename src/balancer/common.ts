/**
 * What every policy shares: string hashes that are identical in every process, the capacity test,
 * OpenWhisk's overload fallback, the member set with its index from invoker id to view position,
 * and the walk of a preference order that bounded loads builds on.
 *
 * Hashes work on UTF-16 code units (what `charCodeAt` returns), as Java's String.hashCode does,
 * so a color hashes the same way however the JSON that carried it was encoded.
 */
import type { Decision, InvokerView, PlacementRequest, Policy } from './types.js';

/** A uniform random number in [0, 1). Injected so tests can pin the overload fallback. */
export type RandomSource = () => number;

/** Invoker ids index typed arrays (OpenWhisk numbers invokers 0, 1, 2, ...); 0xFFFF is kept as a sentinel. */
export const MAX_INVOKER_ID = 65_534;

/** Java's `String.hashCode`: h = 31*h + c over UTF-16 code units, 32-bit signed overflow. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * A well-mixed unsigned 32-bit hash: FNV-1a over UTF-16 code units, then MurmurHash3's fmix32
 * finalizer so every output bit depends on every input bit (bucket and ring positions use low and
 * high bits alike). Stable across processes and Node versions: no seed, no engine hash.
 */
export function stableHash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

/** MurmurHash3's 32-bit finalizer (a bijection on 32-bit integers). */
export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * OpenWhisk's overload path (ShardingContainerPoolBalancer.schedule): when no healthy invoker has
 * room, a uniformly random healthy invoker takes the activation anyway. Undefined if none is healthy.
 * Only `invokers[0..end)` count (OpenWhisk's sharding forces among its managed invokers only).
 */
export function randomHealthy(
  invokers: readonly InvokerView[],
  random: RandomSource,
  end = invokers.length,
): InvokerView | undefined {
  let healthy = 0;
  for (let i = 0; i < end; i++) if (invokers[i]!.status === 'healthy') healthy++;
  if (healthy === 0) return undefined;
  let pick = Math.min(healthy - 1, Math.floor(random() * healthy));
  for (let i = 0; i < end; i++) {
    const view = invokers[i]!;
    if (view.status !== 'healthy') continue;
    if (pick === 0) return view;
    pick--;
  }
  return undefined;
}

export function checkInvokerId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_INVOKER_ID) {
    throw new RangeError(`invoker id must be an integer from 0 to ${MAX_INVOKER_ID}, got ${id}`);
  }
}

/**
 * A policy's members as `setMembers` gave them: the sorted id set and each id's position in a view
 * that keeps the Policy contract (exactly the members, ascending by id), so finding an invoker's
 * load is one array read instead of a search, and no call has to work out the membership again.
 */
export class Members {
  /** The member ids, ascending. */
  ids: readonly number[] = [];
  /** Bumped whenever `ids` changes, so policies can cache what they derive from it. */
  generation = 0;
  private position = new Int32Array(0);
  private neutral: { generation: number; view: readonly InvokerView[] } | undefined;

  /** Takes a new id set (any order); false, and nothing changes, when it is the current one. */
  set(ids: readonly number[]): boolean {
    const sorted = [...ids].sort((a, b) => a - b);
    sorted.forEach((id, i) => {
      checkInvokerId(id);
      if (i > 0 && sorted[i - 1] === id)
        throw new RangeError(`invoker id ${id} appears twice in the members`);
    });
    if (sorted.length === this.ids.length && sorted.every((id, i) => id === this.ids[i])) return false;
    const position = new Int32Array(sorted.length === 0 ? 0 : sorted[sorted.length - 1]! + 1).fill(-1);
    sorted.forEach((id, i) => (position[id] = i));
    this.ids = sorted;
    this.position = position;
    this.generation++;
    return true;
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: number): boolean {
    return this.positionOf(id) >= 0;
  }

  /** Where member `id` sits in the view, or -1 if it is not a member. */
  positionOf(id: number): number {
    return id >= 0 && id < this.position.length ? this.position[id]! : -1;
  }

  /** One more than the largest member id (size for per-id typed arrays). */
  get idLimit(): number {
    return this.position.length;
  }

  /**
   * Refuses a view that cannot be the members' view. Only the length is compared: a full check
   * would cost a pass over the view per decision, which is what being told about membership saves.
   */
  check(view: readonly InvokerView[]): void {
    if (view.length !== this.ids.length) {
      throw new RangeError(
        `the view lists ${view.length} invokers but the policy has ${this.ids.length} members: ` +
          'the view must list exactly the members, ascending by id (call setMembers when the invoker set changes)',
      );
    }
  }

  /** Member `id`'s entry in `view`; throws if the view does not hold it where the contract puts it. */
  viewOf(view: readonly InvokerView[], id: number): InvokerView {
    const entry = view[this.positionOf(id)];
    if (entry === undefined || entry.id !== id) {
      throw new RangeError(
        `member ${id} is not at its place in the view: the view must list exactly the members, ` +
          'ascending by id (call setMembers when the invoker set changes)',
      );
    }
    return entry;
  }

  /**
   * The members as an idle, healthy view: what a preference order is walked over when health and
   * load must not count (`Policy.order`). Cached until the members change.
   */
  neutralView(): readonly InvokerView[] {
    if (this.neutral?.generation !== this.generation) {
      const view = this.ids.map((id): InvokerView => ({
        id,
        status: 'healthy',
        capacityMB: 0,
        inFlightMB: 0,
        inFlight: 0,
      }));
      this.neutral = { generation: this.generation, view };
    }
    return this.neutral.view;
  }
}

/** The outcome of walking a policy's preference order: its home and the first accepted invoker. */
export interface CandidateSearch {
  readonly home: number;
  /** The first invoker in the order that `accept` took, or -1 when none did. */
  readonly chosen: number;
}

/**
 * What a hashing policy offers the wrappers inside src/balancer (bounded loads): its preference
 * order walked with the wrapper's own acceptance rule, without allocating, so a wrapper decides at
 * the policy's own speed instead of re-implementing it. Callers outside the balancer see `Policy`
 * only; `order` is this walk's allocating form.
 */
export interface OrderedPolicy extends Policy {
  /**
   * The first invoker of the order (the home), without walking further; undefined when there is
   * none (no members, or a new color and nothing healthy to assign it to). The fast path.
   */
  homeView(request: PlacementRequest, view: readonly InvokerView[]): InvokerView | undefined;
  /**
   * Walks the order and stops at the first invoker `accept` takes. Undefined without members.
   * Allocates nothing beyond the result.
   */
  search(
    request: PlacementRequest,
    view: readonly InvokerView[],
    accept: (view: InvokerView, request: PlacementRequest) => boolean,
  ): CandidateSearch | undefined;
}

/** The base acceptance rule of every policy: healthy and room for the action's memory. */
export function canTakeRequest(view: InvokerView, request: PlacementRequest): boolean {
  return view.status === 'healthy' && view.inFlightMB + request.memoryMB <= view.capacityMB;
}

/**
 * Turns an ordered policy's walk into a decision: the first healthy invoker with room in the
 * policy's order, else OpenWhisk's forced random healthy invoker, else undefined.
 */
export function decideInOrder(
  policy: OrderedPolicy,
  request: PlacementRequest,
  invokers: readonly InvokerView[],
  random: RandomSource,
  accept: (view: InvokerView, request: PlacementRequest) => boolean = canTakeRequest,
): Decision | undefined {
  // Fast path: the home takes it (one lookup, one allocation).
  const home = policy.homeView(request, invokers);
  if (home !== undefined && accept(home, request)) {
    return { invoker: home.id, home: home.id, forced: false, spilled: false };
  }
  const found = policy.search(request, invokers, accept);
  if (found === undefined) return undefined;
  if (found.chosen >= 0) {
    return { invoker: found.chosen, home: found.home, forced: false, spilled: found.chosen !== found.home };
  }
  return forcedDecision(invokers, found.home, random);
}

export function forcedDecision(
  invokers: readonly InvokerView[],
  home: number,
  random: RandomSource,
  end = invokers.length,
): Decision | undefined {
  const pick = randomHealthy(invokers, random, end);
  if (pick === undefined) return undefined;
  return { invoker: pick.id, home, forced: true, spilled: pick.id !== home };
}

/** The key a hashing policy places by: the color, or for uncolored work `<namespace>/<action>`. */
export function placementKey(request: PlacementRequest): string {
  return request.color ?? `${request.namespace}/${request.action}`;
}

/**
 * The invokers a walk over a ring or bucket table has already offered, without clearing an array
 * per decision: each walk takes a new epoch, and an id counts as seen when it holds that epoch.
 */
export class VisitedInvokers {
  private marks = new Uint32Array(0);
  private epoch = 0;

  /** Sizes the set for invoker ids below `idLimit` (after a membership change). */
  resize(idLimit: number): void {
    this.marks = new Uint32Array(idLimit);
    this.epoch = 0;
  }

  /** Starts a new walk with `first` already visited. */
  begin(first: number): void {
    if (++this.epoch === 0xffff_ffff) {
      this.marks.fill(0);
      this.epoch = 1;
    }
    this.marks[first] = this.epoch;
  }

  /** Marks `id` visited; false if this walk had visited it already. */
  visit(id: number): boolean {
    if (this.marks[id] === this.epoch) return false;
    this.marks[id] = this.epoch;
    return true;
  }
}

/**
 * An ordered policy's whole preference order: its walk over the members' neutral view with an
 * acceptor that takes nobody (so health and load do not count).
 */
export function walkOrder(
  policy: Pick<OrderedPolicy, 'search'>,
  request: PlacementRequest,
  members: Members,
): number[] {
  const order: number[] = [];
  policy.search(request, members.neutralView(), (view) => {
    order.push(view.id);
    return false;
  });
  return order;
}
