/**
 * The co-access placement planner (DECISIONS R8): a color -> invoker assignment that keeps
 * strongly co-accessed colors together while balancing rate-weighted load within a capacity
 * factor. Pure: no I/O, no clock, no Math.random (the seed decides every tie).
 *
 *   plan(graph, invokers, { capacityFactor, seed, passes }) -> { assignment, summary }
 *
 * `graph` is R8's object form ({ nodes: {id, weight}[], edges: {a, b, weight}[] }) or the compact
 * form built by GraphBuilder (what the streaming parser of `npm run plan` produces).
 */
import { compactGraph, type CompactGraph, type PlanGraph } from './graph.js';
import { partition } from './partition.js';

export interface PlanOptions {
  /** Most load one invoker may take, as a multiple of the mean; >= 1. Default 1.1. */
  readonly capacityFactor?: number;
  readonly seed?: number;
  /** Refinement passes after the streaming pass; default 4. */
  readonly passes?: number;
  /**
   * Colors whose invoker is decided already (color -> invoker): they stay there and count no load
   * of their own; what they bring goes into `preload`. Used for hot colors, whose replicas spread
   * their load over several invokers (planReplicated).
   */
  readonly fixed?: ReadonlyMap<string, number>;
  /** Load per invoker before the plan places anything (invoker -> load). */
  readonly preload?: ReadonlyMap<number, number>;
}

export interface InvokerLoad {
  readonly invoker: number;
  /** Sum of the rates of its colors. */
  readonly load: number;
  readonly colors: number;
}

export interface PlanSummary {
  readonly colors: number;
  readonly edges: number;
  readonly invokers: number;
  readonly capacityFactor: number;
  readonly seed: number;
  /** Most load per invoker the plan aims for (capacityFactor x mean). */
  readonly capacity: number;
  /** Share of edge weight whose two colors share an invoker. */
  readonly edgeLocality: number;
  /** What hashing colors uniformly would give on average: 1 / invokers. */
  readonly hashLocality: number;
  readonly maxMeanLoad: number;
  readonly loads: readonly InvokerLoad[];
  readonly refinementMoves: readonly number[];
}

export interface Plan {
  readonly assignment: Map<string, number>;
  readonly summary: PlanSummary;
}

export const DEFAULT_PLAN_OPTIONS = { capacityFactor: 1.1, seed: 1, passes: 4 } as const;

export function plan(
  graph: PlanGraph | CompactGraph,
  invokers: readonly number[],
  options: PlanOptions = {},
): Plan {
  const compact = 'offsets' in graph ? graph : compactGraph(graph);
  const ids = [...new Set(invokers)].sort((a, b) => a - b);
  if (ids.length === 0) throw new RangeError('plan needs at least one invoker');
  const capacityFactor = options.capacityFactor ?? DEFAULT_PLAN_OPTIONS.capacityFactor;
  const seed = options.seed ?? DEFAULT_PLAN_OPTIONS.seed;
  const passes = options.passes ?? DEFAULT_PLAN_OPTIONS.passes;
  const partOf = new Map(ids.map((id, p) => [id, p]));
  const fixed = new Map<number, number>();
  if (options.fixed) {
    const index = new Map(compact.ids.map((id, i) => [id, i]));
    for (const [color, invoker] of options.fixed) {
      const v = index.get(color);
      const p = partOf.get(invoker);
      if (v !== undefined && p !== undefined) fixed.set(v, p);
    }
  }
  const preload = ids.map((id) => options.preload?.get(id) ?? 0);
  const result = partition(compact, { parts: ids.length, capacityFactor, seed, passes, fixed, preload });
  const assignment = new Map<string, number>();
  const colors = new Int32Array(ids.length);
  for (let i = 0; i < compact.ids.length; i++) {
    assignment.set(compact.ids[i]!, ids[result.part[i]!]!);
    colors[result.part[i]!]!++;
  }
  const loads = ids.map((invoker, p) => ({ invoker, load: result.load[p]!, colors: colors[p]! }));
  const mean = loads.reduce((s, l) => s + l.load, 0) / ids.length;
  return {
    assignment,
    summary: {
      colors: compact.ids.length,
      edges: compact.edgeCount,
      invokers: ids.length,
      capacityFactor,
      seed,
      capacity: result.capacity,
      edgeLocality: edgeLocality(compact, result.part),
      hashLocality: 1 / ids.length,
      maxMeanLoad: mean > 0 ? Math.max(...loads.map((l) => l.load)) / mean : 0,
      loads,
      refinementMoves: result.moves,
    },
  };
}

/** Share of edge weight inside one part (each undirected edge counted once); 1 without edges. */
export function edgeLocality(graph: CompactGraph, part: ArrayLike<number>): number {
  let inside = 0;
  let total = 0;
  for (let v = 0; v < graph.ids.length; v++) {
    for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) {
      const u = graph.neighbours[e]!;
      if (u <= v) continue;
      total += graph.edgeWeight[e]!;
      if (part[u] === part[v]) inside += graph.edgeWeight[e]!;
    }
  }
  return total > 0 ? inside / total : 1;
}
