/**
 * Bounded loads (Mirrokni, Thorup and Zadimoghaddam 2018; HAProxy's hash-balance-factor, Envoy's
 * hash_balance_factor) as a wrapper over any hashing policy (an OrderedPolicy, src/balancer/common.ts).
 * With factor c, no healthy invoker takes an activation that would put it above ceil(c x mean)
 * in-flight activations, where mean is (in-flight on healthy invokers + 1) / healthy invokers, the
 * new activation included. A color whose home is at the bound overflows to the next candidate in
 * the wrapped policy's own order, so the overflow is as deterministic and as sticky as the policy
 * itself.
 *
 * With c >= 1 some healthy invoker is always under the bound. If every one under it is out of
 * memory, the first healthy invoker with room in the policy's order takes the activation (the bound
 * yields to capacity); if none has room, OpenWhisk's forced random healthy invoker. c = 0 disables
 * the bound and the wrapper decides exactly as the wrapped policy.
 *
 * A floor keeps the bound from biting at near-idle load: an invoker may always hold `floor`
 * in-flight activations. Without it, ceil(c x mean) is 1 whenever fewer activations than invokers
 * are in flight, and a color whose previous call still holds its slot (a blocking caller gets its
 * result before the invoker's completion frees the slot) would spill on every call of a closed loop,
 * buying no balance and losing its cache.
 */
import { canTakeRequest, decideInOrder, type OrderedPolicy, type RandomSource } from '../common.js';
import type { Decision, InvokerView, PlacementRequest, Policy } from '../types.js';

/** The most in-flight activations an invoker may hold after taking one more. */
export function loadBound(factor: number, totalInFlight: number, healthyInvokers: number, floor = 0): number {
  return Math.max(floor, Math.ceil((factor * (totalInFlight + 1)) / healthyInvokers));
}

/**
 * `loadBound` over the healthy invokers of a view (one pass, no allocation: it runs per decision);
 * Infinity when none is healthy (nothing to balance against).
 */
export function loadBoundOf(factor: number, invokers: readonly InvokerView[], floor = 0): number {
  let healthy = 0;
  let total = 0;
  for (const view of invokers) {
    if (view.status !== 'healthy') continue;
    healthy++;
    total += view.inFlight;
  }
  return healthy === 0 ? Infinity : loadBound(factor, total, healthy, floor);
}

export class BoundedLoadsPolicy implements Policy {
  readonly name: string;
  /** The bound of the decision in progress; read by `underBound`, which is allocated once. */
  private bound = 0;
  private readonly underBound = (view: InvokerView, request: PlacementRequest): boolean =>
    canTakeRequest(view, request) && view.inFlight + 1 <= this.bound;

  constructor(
    readonly inner: OrderedPolicy,
    readonly factor: number,
    private readonly random: RandomSource = Math.random,
    readonly floor = 0,
  ) {
    if (!(factor === 0 || factor >= 1)) {
      throw new RangeError(`the bounded-loads factor must be 0 (off) or at least 1, got ${factor}`);
    }
    this.name = inner.name;
  }

  /** The wrapped policy keeps the tables; the bound itself depends on the view only. */
  setMembers(ids: readonly number[]): void {
    this.inner.setMembers(ids);
  }

  choose(request: PlacementRequest, invokers: readonly InvokerView[]): Decision | undefined {
    if (this.factor === 0) return decideInOrder(this.inner, request, invokers, this.random);
    // First, so that a view not matching the members is refused even when nothing is healthy.
    const home = this.inner.homeView(request, invokers);
    this.bound = loadBoundOf(this.factor, invokers, this.floor);
    if (this.bound === Infinity) return undefined; // none healthy
    if (home !== undefined && this.underBound(home, request)) {
      return { invoker: home.id, home: home.id, forced: false, spilled: false };
    }
    const found = this.inner.search(request, invokers, this.underBound);
    if (found === undefined) return undefined;
    if (found.chosen >= 0) {
      return { invoker: found.chosen, home: found.home, forced: false, spilled: found.chosen !== found.home };
    }
    return decideInOrder(this.inner, request, invokers, this.random);
  }

  /** The wrapped policy's order: the bound changes where an activation lands, not the preference. */
  order(request: PlacementRequest): Iterable<number> {
    return this.inner.order(request);
  }
}
