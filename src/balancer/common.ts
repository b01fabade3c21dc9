/**
 * What every policy shares: string hashes that are identical in every process, the health and
 * capacity tests, OpenWhisk's overload fallback, and an index from invoker id to its view.
 *
 * Hashes work on UTF-16 code units (what `charCodeAt` returns), as Java's String.hashCode does,
 * so a color hashes the same way however the JSON that carried it was encoded.
 */
import type { Decision, InvokerView, OrderedPolicy, PlacementRequest } from './types.js';

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

/** Only Healthy invokers take work (OpenWhisk's `InvokerState.isUsable`). */
export function isUsable(view: InvokerView): boolean {
  return view.status === 'healthy';
}

/** OpenWhisk's `tryAcquire(memMB)` on the invoker's memory semaphore, without acquiring. */
export function hasRoom(view: InvokerView, memoryMB: number): boolean {
  return view.inFlightMB + memoryMB <= view.capacityMB;
}

/** A healthy invoker that can take `memoryMB` now. */
export function canTake(view: InvokerView, memoryMB: number): boolean {
  return view.status === 'healthy' && view.inFlightMB + memoryMB <= view.capacityMB;
}

/**
 * OpenWhisk's overload path (ShardingContainerPoolBalancer.schedule): when no healthy invoker has
 * room, a uniformly random healthy invoker takes the activation anyway. Undefined if none is healthy.
 */
export function randomHealthy(
  invokers: readonly InvokerView[],
  random: RandomSource,
): InvokerView | undefined {
  let healthy = 0;
  for (const view of invokers) if (view.status === 'healthy') healthy++;
  if (healthy === 0) return undefined;
  let pick = Math.min(healthy - 1, Math.floor(random() * healthy));
  for (const view of invokers) {
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
 * Maps invoker ids to their entry in the caller's view array and keeps the sorted id set, so a
 * policy can tell a membership change (rebuild its table) from a load change (nothing to do).
 * The check is by array identity: callers pass a new array when membership changes (LoadTracker
 * does), and the same array, updated in place, while only loads and statuses change.
 */
export class ViewIndex {
  private lastArray: readonly InvokerView[] | undefined;
  private lastLength = -1;
  private position = new Int32Array(0);
  /** Invoker ids present in the view, ascending. */
  ids: readonly number[] = [];
  /** Bumped whenever `ids` changes. */
  generation = 0;

  /** Refreshes the index for `invokers`; returns true when the id set changed. */
  sync(invokers: readonly InvokerView[]): boolean {
    if (invokers === this.lastArray && invokers.length === this.lastLength) return false;
    this.lastArray = invokers;
    this.lastLength = invokers.length;
    let maxId = -1;
    for (const view of invokers) {
      checkInvokerId(view.id);
      if (view.id > maxId) maxId = view.id;
    }
    const position = new Int32Array(maxId + 1).fill(-1);
    invokers.forEach((view, i) => {
      if (position[view.id] !== -1) throw new RangeError(`invoker id ${view.id} appears twice in the view`);
      position[view.id] = i;
    });
    this.position = position;
    const ids = invokers.map((v) => v.id).sort((a, b) => a - b);
    const changed = ids.length !== this.ids.length || ids.some((id, i) => id !== this.ids[i]);
    if (changed) {
      this.ids = ids;
      this.generation++;
    }
    return changed;
  }

  /** The view of invoker `id` in the array last synced, or undefined if it is not there. */
  viewOf(id: number): InvokerView | undefined {
    const i = id < this.position.length ? this.position[id]! : -1;
    return i < 0 ? undefined : this.lastArray![i];
  }

  /** One more than the largest id in the view (size for per-id typed arrays). */
  get idLimit(): number {
    return this.position.length;
  }
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
): Decision | undefined {
  const pick = randomHealthy(invokers, random);
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

/** An ordered policy's whole preference order, by walking it with an acceptor that takes nobody. */
export function candidateOrder(
  policy: Pick<OrderedPolicy, 'search'>,
  request: PlacementRequest,
  invokers: readonly InvokerView[],
): number[] {
  const order: number[] = [];
  policy.search(request, invokers, (view) => {
    order.push(view.id);
    return false;
  });
  return order;
}
