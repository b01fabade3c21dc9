/**
 * Least-assigned: an explicit color -> invoker table (ColorTable). The first time a color is seen
 * it goes to the healthy invoker holding the fewest colors (ties: lowest id) and stays there: a new
 * invoker moves no color, and a lost one moves only its own (ColorTable.removeInvoker, called by the
 * controller once the invoker is gone for good). The table is persisted through the listener port.
 *
 * - A color whose invoker is no longer in the view at all (a stale record) is reassigned on use
 *   (listener reason 'reassigned').
 * - Preference order: the color's invoker, then the others by fewest colors (ties: lowest id). An
 *   unhealthy or full home spills along it for this activation only; the table does not change.
 * - Uncolored work is not written to the table (it would fill the store with action names): its
 *   home is stableHash32("<namespace>/<action>") mod N over the ids in ascending order, then the
 *   same order.
 */
import { ColorTable } from '../color-table.js';
import { decideInOrder, placementKey, stableHash32, ViewIndex, type RandomSource } from '../common.js';
import type { CandidateSearch, Decision, InvokerView, OrderedPolicy, PlacementRequest } from '../types.js';

export class LeastAssignedPolicy implements OrderedPolicy {
  readonly name = 'least-assigned';
  readonly table: ColorTable;
  private readonly random: RandomSource;
  private readonly index = new ViewIndex();
  private readonly healthy: number[] = [];

  constructor(options: { table?: ColorTable; random?: RandomSource } = {}) {
    this.table = options.table ?? new ColorTable();
    this.random = options.random ?? Math.random;
  }

  choose(request: PlacementRequest, invokers: readonly InvokerView[]): Decision | undefined {
    return decideInOrder(this, request, invokers, this.random);
  }

  homeView(request: PlacementRequest, invokers: readonly InvokerView[]): InvokerView | undefined {
    this.index.sync(invokers);
    if (this.index.ids.length === 0) return undefined;
    const home = this.homeOf(request, invokers);
    return home === undefined ? undefined : this.index.viewOf(home);
  }

  search(
    request: PlacementRequest,
    invokers: readonly InvokerView[],
    accept: (view: InvokerView, request: PlacementRequest) => boolean,
  ): CandidateSearch | undefined {
    this.index.sync(invokers);
    const ids = this.index.ids;
    if (ids.length === 0) return undefined;
    const home = this.homeOf(request, invokers);
    if (home === undefined) return { home: -1, chosen: -1 };
    if (accept(this.index.viewOf(home)!, request)) return { home, chosen: home };
    for (const id of this.orderByCount()) {
      if (id !== home && accept(this.index.viewOf(id)!, request)) return { home, chosen: id };
    }
    return { home, chosen: -1 };
  }

  candidates(request: PlacementRequest, invokers: readonly InvokerView[]): number[] {
    this.index.sync(invokers);
    const home = this.homeOf(request, invokers);
    return home === undefined ? [] : [home, ...this.orderByCount().filter((id) => id !== home)];
  }

  /** The color's invoker, assigning it among healthy invokers if it has none in the view. */
  private homeOf(request: PlacementRequest, invokers: readonly InvokerView[]): number | undefined {
    const ids = this.index.ids;
    if (request.color === undefined) return ids[stableHash32(placementKey(request)) % ids.length];
    const current = this.table.get(request.color);
    if (current !== undefined && this.index.viewOf(current) !== undefined) return current;
    const healthy = this.healthy;
    healthy.length = 0;
    for (const view of invokers) if (view.status === 'healthy') healthy.push(view.id);
    if (healthy.length === 0) return current === undefined ? undefined : this.leastOfAll();
    return this.table.assign(request.color, healthy, current === undefined ? 'new' : 'reassigned');
  }

  /** With no healthy invoker and a stale record, any present id will do: the walk then finds none. */
  private leastOfAll(): number | undefined {
    return this.table.leastAssigned(this.index.ids);
  }

  /** Every id by fewest colors, then id; cached until the table or the membership changes. */
  private byCount: number[] = [];
  private byCountVersion = -1;
  private byCountGeneration = -1;

  private orderByCount(): readonly number[] {
    if (this.byCountVersion !== this.table.version || this.byCountGeneration !== this.index.generation) {
      this.byCount = [...this.index.ids].sort(
        (a, b) => this.table.countFor(a) - this.table.countFor(b) || a - b,
      );
      this.byCountVersion = this.table.version;
      this.byCountGeneration = this.index.generation;
    }
    return this.byCount;
  }
}
