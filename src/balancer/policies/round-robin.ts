/**
 * Round-robin: the paper's other locality-oblivious baseline. A counter walks the view; the
 * invoker whose turn it is takes the activation if it is healthy with room, otherwise the next
 * one that is, and the turn continues after it. When none has room, a random healthy invoker
 * takes it (forced), as OpenWhisk. The counter is per process: replicas need not agree for a locality-oblivious policy.
 */
import { canTakeRequest, forcedDecision, Members, type RandomSource } from '../common.js';
import type { Decision, InvokerView, PlacementRequest, Policy } from '../types.js';

export class RoundRobinPolicy implements Policy {
  readonly name = 'round-robin';
  private readonly members = new Members();
  private next = 0;

  constructor(private readonly random: RandomSource = Math.random) {}

  setMembers(ids: readonly number[]): void {
    this.members.set(ids);
  }

  choose(request: PlacementRequest, invokers: readonly InvokerView[]): Decision | undefined {
    this.members.check(invokers);
    const n = invokers.length;
    if (n === 0) return undefined;
    const start = this.next % n;
    this.next = start + 1;
    const home = invokers[start]!.id;
    for (let step = 0; step < n; step++) {
      const index = (start + step) % n;
      const view = invokers[index]!;
      if (canTakeRequest(view, request)) {
        // Resume after the invoker that took it, so one skipped invoker does not double its neighbour's share.
        this.next = index + 1;
        return { invoker: view.id, home, forced: false, spilled: view.id !== home };
      }
    }
    return forcedDecision(invokers, home, this.random);
  }

  /**
   * The order of the current turn: the member whose turn it is, then the rest in id order, wrapping.
   * It does not take the turn: the next `choose` starts from the same member.
   */
  order(_request: PlacementRequest): number[] {
    const ids = this.members.ids;
    const start = ids.length === 0 ? 0 : this.next % ids.length;
    return [...ids.slice(start), ...ids.slice(0, start)];
  }
}
