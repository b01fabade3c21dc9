/**
 * A plan that knows about hot-color replication (R8: a hot color's homes are the first k entries
 * of the policy's order). A color whose rate exceeds `hotFactor` x the mean invoker's rate gets
 * k = min(max, invokers, ceil(share x invokers / hotFactor)) homes, as ReplicatedPolicy computes
 * at run time; the plan pins it to its first home and counts rate / k on each home before placing
 * the other colors, so the invokers that share a hot color take fewer others.
 */
import type { CompactGraph } from './graph.js';
import { plan, type Plan, type PlanOptions } from './plan.js';

export interface ReplicatedPlanOptions extends Omit<PlanOptions, 'fixed' | 'preload'> {
  /** Hot above hotFactor x the mean invoker's rate (PALETTE_BOUND, or 1.25). */
  readonly hotFactor: number;
  /** PALETTE_REPLICATION_MAX. */
  readonly max: number;
  /** The policy's order for a color, without pins: its first k entries are the homes. */
  readonly homesOf: (color: string, k: number) => readonly number[];
}

export interface ReplicatedPlan extends Plan {
  readonly replicated: readonly { readonly color: string; readonly homes: readonly number[] }[];
}

export function planReplicated(
  graph: CompactGraph,
  invokers: readonly number[],
  options: ReplicatedPlanOptions,
): ReplicatedPlan {
  const n = new Set(invokers).size;
  let total = 0;
  for (const w of graph.nodeWeight) total += w;
  const fixed = new Map<string, number>();
  const preload = new Map<number, number>();
  const replicated: { color: string; homes: readonly number[] }[] = [];
  if (total > 0) {
    for (let v = 0; v < graph.ids.length; v++) {
      const share = graph.nodeWeight[v]! / total;
      const k = Math.min(options.max, n, Math.ceil((share * n) / options.hotFactor));
      if (k < 2) continue;
      const color = graph.ids[v]!;
      const homes = options.homesOf(color, k).slice(0, k);
      if (homes.length === 0) continue;
      fixed.set(color, homes[0]!);
      for (const h of homes) preload.set(h, (preload.get(h) ?? 0) + graph.nodeWeight[v]! / homes.length);
      replicated.push({ color, homes });
    }
  }
  return { ...plan(graph, invokers, { ...options, fixed, preload }), replicated };
}
