/**
 * Least-assigned: an explicit color -> invoker table (ColorTable). The first time a color is seen
 * it goes to a healthy invoker holding (nearly) the fewest colors, picked by a hash of the color
 * (ColorTable.choose: replicas placing at the same moment mostly agree) and stays there: a new
 * invoker moves no color, and a lost one moves only its own (ColorTable.removeInvoker, called by the
 * controller once the invoker is gone for good). The table is persisted through the listener port.
 *
 * - A color whose invoker is no longer a member at all (a stale record) is reassigned on use
 *   (listener reason 'reassigned').
 * - Preference order: the color's invoker, then the others by fewest colors (ties: lowest id). An
 *   unhealthy or full home spills along it for this activation only; the table does not change.
 * - Uncolored work is not written to the table (it would fill the store with action names): its
 *   home is stableHash32("<namespace>/<action>") mod N over the ids in ascending order, then the
 *   same order.
 */
import { ColorTable } from '../color-table.js';
import {
  decideInOrder,
  Members,
  placementKey,
  stableHash32,
  type CandidateSearch,
  type OrderedPolicy,
  type RandomSource,
} from '../common.js';
import type { Decision, InvokerView, PlacementRequest } from '../types.js';

export class LeastAssignedPolicy implements OrderedPolicy {
  readonly name = 'least-assigned';
  readonly table: ColorTable;
  private readonly random: RandomSource;
  private readonly members = new Members();
  private readonly healthy: number[] = [];

  constructor(options: { table?: ColorTable; random?: RandomSource } = {}) {
    this.table = options.table ?? new ColorTable();
    this.random = options.random ?? Math.random;
  }

  /** Only the member set changes: colors stay where the table has them (see the header). */
  setMembers(ids: readonly number[]): void {
    this.members.set(ids);
  }

  choose(request: PlacementRequest, view: readonly InvokerView[]): Decision | undefined {
    return decideInOrder(this, request, view, this.random);
  }

  /**
   * The color's invoker, then the others by fewest colors. A color without an invoker among the
   * members starts with the one `choose` would give it if every member were healthy; the table is
   * not written (asking for the order assigns nothing).
   */
  order(request: PlacementRequest): number[] {
    const ids = this.members.ids;
    if (ids.length === 0) return [];
    const home = this.plannedHome(request);
    return [home, ...this.orderByCount().filter((id) => id !== home)];
  }

  homeView(request: PlacementRequest, view: readonly InvokerView[]): InvokerView | undefined {
    this.members.check(view);
    if (this.members.size === 0) return undefined;
    const home = this.homeOf(request, view);
    return home === undefined ? undefined : this.members.viewOf(view, home);
  }

  search(
    request: PlacementRequest,
    view: readonly InvokerView[],
    accept: (view: InvokerView, request: PlacementRequest) => boolean,
  ): CandidateSearch | undefined {
    const members = this.members;
    members.check(view);
    if (members.size === 0) return undefined;
    const home = this.homeOf(request, view);
    if (home === undefined) return { home: -1, chosen: -1 };
    if (accept(members.viewOf(view, home), request)) return { home, chosen: home };
    for (const id of this.orderByCount()) {
      if (id !== home && accept(members.viewOf(view, id), request)) return { home, chosen: id };
    }
    return { home, chosen: -1 };
  }

  /** The color's invoker, assigning it among healthy invokers if it has none among the members. */
  private homeOf(request: PlacementRequest, view: readonly InvokerView[]): number | undefined {
    const ids = this.members.ids;
    if (request.color === undefined) return ids[stableHash32(placementKey(request)) % ids.length];
    const current = this.table.get(request.color);
    if (current !== undefined && this.members.has(current)) return current;
    const healthy = this.healthy;
    healthy.length = 0;
    // viewOf checks every entry: a view of other invokers must not get a color into the table.
    for (const id of ids) if (this.members.viewOf(view, id).status === 'healthy') healthy.push(id);
    if (healthy.length === 0) return current === undefined ? undefined : this.leastOfAll();
    return this.table.assign(request.color, healthy, current === undefined ? 'new' : 'reassigned');
  }

  /** `homeOf` with every member healthy and without writing the table. Members must not be empty. */
  private plannedHome(request: PlacementRequest): number {
    const ids = this.members.ids;
    if (request.color === undefined) return ids[stableHash32(placementKey(request)) % ids.length]!;
    const current = this.table.get(request.color);
    if (current !== undefined && this.members.has(current)) return current;
    return this.table.choose(request.color, ids)!;
  }

  /** With no healthy invoker and a stale record, any member will do: the walk then finds none. */
  private leastOfAll(): number | undefined {
    return this.table.leastAssigned(this.members.ids);
  }

  /** Every id by fewest colors, then id; cached until the table or the membership changes. */
  private byCount: number[] = [];
  private byCountVersion = -1;
  private byCountGeneration = -1;

  private orderByCount(): readonly number[] {
    if (this.byCountVersion !== this.table.version || this.byCountGeneration !== this.members.generation) {
      this.byCount = [...this.members.ids].sort(
        (a, b) => this.table.countFor(a) - this.table.countFor(b) || a - b,
      );
      this.byCountVersion = this.table.version;
      this.byCountGeneration = this.members.generation;
    }
    return this.byCount;
  }
}
