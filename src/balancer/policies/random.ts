/**
 * Random: the paper's locality-oblivious baseline. Each activation goes to a uniformly random
 * healthy invoker with room; when none has room, to a random healthy one (forced), as OpenWhisk.
 * The random source is injected so tests are reproducible; production uses Math.random.
 */
import { canTakeRequest, forcedDecision, Members, type RandomSource } from '../common.js';
import type { Decision, InvokerView, PlacementRequest, Policy } from '../types.js';

export class RandomPolicy implements Policy {
  readonly name = 'random';
  private readonly members = new Members();

  constructor(private readonly random: RandomSource = Math.random) {}

  setMembers(ids: readonly number[]): void {
    this.members.set(ids);
  }

  choose(request: PlacementRequest, invokers: readonly InvokerView[]): Decision | undefined {
    this.members.check(invokers);
    const n = invokers.length;
    if (n === 0) return undefined;
    // Fast path: a uniform draw over all invokers that lands on an eligible one. Otherwise draw
    // again among the eligible only; together every eligible invoker stays equally likely.
    const first = invokers[Math.min(n - 1, Math.floor(this.random() * n))]!;
    if (canTakeRequest(first, request))
      return { invoker: first.id, home: first.id, forced: false, spilled: false };
    let eligible = 0;
    for (const view of invokers) if (canTakeRequest(view, request)) eligible++;
    if (eligible === 0) return forcedDecision(invokers, first.id, this.random);
    let pick = Math.min(eligible - 1, Math.floor(this.random() * eligible));
    for (const view of invokers) {
      if (!canTakeRequest(view, request)) continue;
      if (pick-- === 0) return { invoker: view.id, home: view.id, forced: false, spilled: false };
    }
    return undefined;
  }

  /**
   * A fresh uniformly random order of the members (Fisher-Yates over the policy's random source):
   * random has no preference, so any order is as good as another. Drawing it advances the source.
   */
  order(_request: PlacementRequest): number[] {
    const order = [...this.members.ids];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(this.random() * (i + 1)));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }
}
