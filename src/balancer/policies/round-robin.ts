/**
 * Round-robin: the paper's other locality-oblivious baseline. A counter walks the view; the
 * invoker whose turn it is takes the activation if it is healthy with room, otherwise the next
 * one that is, and the turn continues after it. When none has room, a random healthy invoker
 * takes it (forced), as OpenWhisk. The counter is per process: replicas need not agree for a locality-oblivious policy.
 */
import { canTakeRequest, forcedDecision, type RandomSource } from '../common.js';
import type { Decision, InvokerView, PlacementRequest, Policy } from '../types.js';

export class RoundRobinPolicy implements Policy {
  readonly name = 'round-robin';
  private next = 0;

  constructor(private readonly random: RandomSource = Math.random) {}

  choose(request: PlacementRequest, invokers: readonly InvokerView[]): Decision | undefined {
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
}
