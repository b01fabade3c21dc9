/**
 * Hot-color replication (DECISIONS R8, R21): a color carrying more than an invoker's fair share
 * gets k homes, and while its first home is loaded its requests go to the least loaded of them.
 *
 * - Rate: requests per color counted over the decisions this policy makes, halved every
 *   `window` colored decisions (an exponentially decaying count, so no clock: replicas and the
 *   simulation compute the same from the same requests). Colors whose count falls below one half
 *   are forgotten at the halving, so memory follows the colors of the last few windows.
 * - Hot: share x members > factor, i.e. the color's rate exceeds factor x the mean invoker's
 *   rate. Then k = min(max, members, ceil(share x members / factor)): k grows with the rate.
 * - Loaded: a rate is a share of the requests, not a load: when few colors carry the traffic, a
 *   color that calls once a second is "hot". So a hot color leaves its first home only while that
 *   home is loaded: it would go over the bounded-loads bound by taking the request, i.e. it holds
 *   at least max(floor, ceil(factor x mean in-flight)) activations (the mean over healthy invokers,
 *   the new one included). The floor is PALETTE_BOUND_FLOOR but never below 2: a sequential
 *   color's previous call may still hold its slot (the invoker answers a blocking call before its
 *   completion frees the slot), and that alone must never count as load.
 * - Homes: the first k entries of the wrapped policy's `order` (a pinned color's pin first), cached
 *   per color until the members change or the next halving.
 * - Choice: not hot, or its first home not loaded: the wrapped policy decides (the home, as
 *   without replication). Hot and loaded: the healthy home with room and the fewest in-flight
 *   activations, ties to the earlier home, so a color moves only to a home strictly less loaded
 *   (reason `replica`); none has room, or the first home is still the least loaded: the wrapped
 *   policy decides. A lone sequential color therefore never moves, at any rate.
 */
import { canTakeRequest } from '../common.js';
import { loadBoundOf } from './bounded-loads.js';
import type { Decision, InvokerView, PlacementRequest, Policy } from '../types.js';

export interface ReplicationOptions {
  /** Most homes per color (PALETTE_REPLICATION_MAX); >= 1. */
  readonly max: number;
  /** Hot above factor x the mean invoker's rate; >= 1. Default 1.25. */
  readonly factor?: number;
  /** Colored decisions per halving of the counts; default 4096. */
  readonly window?: number;
  /** Counted decisions before any color counts as hot; default 200. */
  readonly warmUp?: number;
  /**
   * In-flight activations the first home may always hold before a hot color leaves it
   * (PALETTE_BOUND_FLOOR); raised to 2 when lower. Default 2.
   */
  readonly floor?: number;
}

/** The least the load condition's floor may be: one call of the color's own plus the lagging one. */
export const MIN_REPLICATION_FLOOR = 2;

export class ReplicatedPolicy implements Policy {
  readonly name: string;
  private readonly counts = new Map<string, number>();
  private readonly homes = new Map<string, readonly number[]>();
  private total = 0;
  private sinceHalving = 0;
  private members = 0;
  private readonly factor: number;
  private readonly window: number;
  private readonly warmUp: number;
  private readonly floor: number;

  constructor(
    readonly inner: Policy,
    private readonly options: ReplicationOptions,
  ) {
    if (!(Number.isInteger(options.max) && options.max >= 1))
      throw new RangeError(`replication max must be an integer >= 1, got ${options.max}`);
    this.factor = options.factor ?? 1.25;
    if (!(this.factor >= 1)) throw new RangeError(`replication factor must be >= 1, got ${this.factor}`);
    this.window = options.window ?? 4096;
    this.warmUp = options.warmUp ?? 200;
    this.floor = Math.max(MIN_REPLICATION_FLOOR, options.floor ?? MIN_REPLICATION_FLOOR);
    this.name = inner.name;
  }

  setMembers(ids: readonly number[]): void {
    this.inner.setMembers(ids);
    this.members = new Set(ids).size;
    this.homes.clear();
  }

  /** How many homes the color has now (1 = not hot). */
  replicas(request: PlacementRequest): number {
    if (request.color === undefined || this.total < this.warmUp) return 1;
    const share = (this.counts.get(keyOf(request)) ?? 0) / this.total;
    const k = Math.ceil((share * this.members) / this.factor);
    return Math.max(1, Math.min(this.options.max, this.members, k));
  }

  /** Colors currently hot (k >= 2), for the metric. */
  hotColors(): number {
    if (this.total < this.warmUp) return 0;
    let hot = 0;
    for (const count of this.counts.values()) if ((count / this.total) * this.members > this.factor) hot++;
    return hot;
  }

  choose(request: PlacementRequest, invokers: readonly InvokerView[]): Decision | undefined {
    if (request.color === undefined) return this.inner.choose(request, invokers);
    this.count(request);
    const k = this.replicas(request);
    if (k < 2) return this.inner.choose(request, invokers);
    const homes = this.homesOf(request, k);
    const first = invokers.find((v) => v.id === homes[0]);
    if (first && !this.loaded(first, request, invokers)) return this.inner.choose(request, invokers);
    // Strictly fewer in flight to win: ties stay with the earlier home, the first above all.
    let best: InvokerView | undefined;
    for (const id of homes) {
      const view = id === first?.id ? first : invokers.find((v) => v.id === id);
      if (view && canTakeRequest(view, request) && (!best || view.inFlight < best.inFlight)) best = view;
    }
    if (!best || best === first) return this.inner.choose(request, invokers);
    return { invoker: best.id, home: homes[0]!, forced: false, spilled: false, reason: 'replica' };
  }

  /**
   * Whether the first home is loaded: it cannot take the request, or it would go over
   * max(floor, ceil(factor x mean)) in-flight activations by taking it (bounded loads' bound).
   */
  private loaded(home: InvokerView, request: PlacementRequest, invokers: readonly InvokerView[]): boolean {
    if (!canTakeRequest(home, request)) return true;
    if (home.inFlight + 1 <= this.floor) return false;
    return home.inFlight + 1 > loadBoundOf(this.factor, invokers, this.floor);
  }

  order(request: PlacementRequest): Iterable<number> {
    return this.inner.order(request);
  }

  private homesOf(request: PlacementRequest, k: number): readonly number[] {
    const key = keyOf(request);
    let homes = this.homes.get(key);
    if (!homes) {
      const found: number[] = [];
      for (const id of this.inner.order(request)) {
        found.push(id);
        if (found.length === this.options.max) break;
      }
      this.homes.set(key, (homes = found));
    }
    return homes.slice(0, k);
  }

  private count(request: PlacementRequest): void {
    const key = keyOf(request);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.total++;
    if (++this.sinceHalving < this.window) return;
    this.sinceHalving = 0;
    this.total /= 2;
    for (const [color, count] of this.counts) {
      if (count < 1) this.counts.delete(color);
      else this.counts.set(color, count / 2);
    }
    this.homes.clear();
  }
}

function keyOf(request: PlacementRequest): string {
  return `${request.namespace}\u0000${request.color}`;
}
