/**
 * Hot-color replication (DECISIONS R8, R21): a color carrying more than an invoker's fair share
 * gets k homes, and each of its requests goes to the least loaded of them.
 *
 * - Rate: requests per color counted over the decisions this policy makes, halved every
 *   `window` colored decisions (an exponentially decaying count, so no clock: replicas and the
 *   simulation compute the same from the same requests). Colors whose count falls below one half
 *   are forgotten at the halving, so memory follows the colors of the last few windows.
 * - Hot: share x members > factor, i.e. the color's rate exceeds factor x the mean invoker's
 *   rate. Then k = min(max, members, ceil(share x members / factor)): k grows with the rate.
 * - Homes: the first k entries of the wrapped policy's `order` (a pinned color's pin first), cached
 *   per color until the members change or the next halving.
 * - Choice: the healthy home with room and the fewest in-flight activations (ties: the color's
 *   homes in turn, from a per-color counter); none
 *   has room: the wrapped policy decides as usual. A color that is not hot: the wrapped policy.
 */
import { canTakeRequest } from '../common.js';
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
}

export class ReplicatedPolicy implements Policy {
  readonly name: string;
  private readonly counts = new Map<string, number>();
  private readonly homes = new Map<string, readonly number[]>();
  /** Per hot color, whose turn a tie is (cleared with the homes). */
  private readonly turns = new Map<string, number>();
  private total = 0;
  private sinceHalving = 0;
  private members = 0;
  private readonly factor: number;
  private readonly window: number;
  private readonly warmUp: number;

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
    this.name = inner.name;
  }

  setMembers(ids: readonly number[]): void {
    this.inner.setMembers(ids);
    this.members = new Set(ids).size;
    this.homes.clear();
    this.turns.clear();
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
    // Ties (common: a closed-loop color has no request of its own in flight) rotate over the
    // homes, so the color's requests spread over them instead of piling on the first.
    const key = keyOf(request);
    const turn = this.turns.get(key) ?? 0;
    this.turns.set(key, turn + 1);
    let best: InvokerView | undefined;
    for (let i = 0; i < homes.length; i++) {
      const id = homes[(turn + i) % homes.length]!;
      const view = invokers.find((v) => v.id === id);
      if (view && canTakeRequest(view, request) && (!best || view.inFlight < best.inFlight)) best = view;
    }
    if (!best) return this.inner.choose(request, invokers);
    return { invoker: best.id, home: homes[0]!, forced: false, spilled: false, reason: 'replica' };
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
    this.turns.clear();
  }
}

function keyOf(request: PlacementRequest): string {
  return `${request.namespace}\u0000${request.color}`;
}
