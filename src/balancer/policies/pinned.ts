/**
 * Pins first (DECISIONS R8): a wrapper over any color policy that sends a pinned color to the
 * invoker its co-access plan chose, and everything else to the wrapped policy.
 *
 * - A pinned color whose invoker is healthy, has room and (with a bounded-loads factor) is under
 *   the bound goes there: home = the pin, reason `planned`.
 * - A pin whose invoker is not a member (gone) is ignored: the wrapped policy decides as if there
 *   were no pin, so a plan for an invoker set that has since shrunk degrades to PALETTE_POLICY
 *   for those colors only.
 * - A pin whose invoker is a member but unhealthy, full or over the bound: the wrapped policy
 *   decides, counted as spilled from the pin (home = the pin, reason `planned`).
 * - Uncolored requests and unpinned colors: the wrapped policy, untouched.
 *
 * `order` puts the pin first, then the wrapped policy's order without it, so hot-color
 * replication (policies/replicated.ts) takes a pinned color's homes from the plan.
 */
import { canTakeRequest, Members } from '../common.js';
import type { PinLookup } from '../pins.js';
import type { Decision, InvokerView, PlacementRequest, Policy } from '../types.js';
import { loadBoundOf } from './bounded-loads.js';

export interface PinnedOptions {
  /** PALETTE_BOUND: 0 = no bound on pinned colors either. */
  readonly boundFactor?: number;
  readonly boundFloor?: number;
}

export class PinnedPolicy implements Policy {
  readonly name: string;
  private readonly members = new Members();

  constructor(
    readonly inner: Policy,
    private readonly pins: PinLookup,
    private readonly options: PinnedOptions = {},
  ) {
    this.name = inner.name;
  }

  setMembers(ids: readonly number[]): void {
    this.members.set(ids);
    this.inner.setMembers(ids);
  }

  /** The pin of a colored request when its invoker is a member; undefined otherwise. */
  pinOf(request: PlacementRequest): number | undefined {
    if (request.color === undefined) return undefined;
    const pin = this.pins.pinned(request.namespace, request.color);
    return pin !== undefined && this.members.has(pin) ? pin : undefined;
  }

  choose(request: PlacementRequest, invokers: readonly InvokerView[]): Decision | undefined {
    const pin = this.pinOf(request);
    if (pin === undefined) return this.inner.choose(request, invokers);
    this.members.check(invokers);
    const view = this.members.viewOf(invokers, pin);
    if (canTakeRequest(view, request) && this.underBound(view, invokers)) {
      return { invoker: pin, home: pin, forced: false, spilled: false, reason: 'planned' };
    }
    const decision = this.inner.choose(request, invokers);
    return decision && { ...decision, home: pin, spilled: decision.invoker !== pin, reason: 'planned' };
  }

  order(request: PlacementRequest): Iterable<number> {
    const pin = this.pinOf(request);
    const rest = this.inner.order(request);
    if (pin === undefined) return rest;
    return [pin, ...[...rest].filter((id) => id !== pin)];
  }

  private underBound(view: InvokerView, invokers: readonly InvokerView[]): boolean {
    const factor = this.options.boundFactor ?? 0;
    if (factor === 0) return true;
    return view.inFlight + 1 <= loadBoundOf(factor, invokers, this.options.boundFloor ?? 0);
  }
}
