/**
 * Graph-aware chain placement (issue 19 item 4, beyond the paper): hashing chain colors scatters
 * chains that exchange data; here the chain graph (node = chain, weight = its tasks' work; edge =
 * the data volume between two chains) goes to the co-access planner (src/planner, DECISIONS R8),
 * which places adjacent chains on the same invoker within a capacity factor. The result is what
 * the application pins through the affinity route (`edgeList` is the route's body; the route
 * plans the same graph with the same planner, so with the same invokers, capacity factor and seed
 * it pins exactly
 * `pins`; `seed` says which seed of the tries won).
 */
import { DEFAULT_PLAN_OPTIONS, plan, type Plan, type PlanGraph, type PlanSummary } from '../planner/index.js';
import { chainColoring as chainIndices, type IndexedDag } from './indexed.js';
import { checkPrefix, colorName, namedColors } from './colors.js';
import { validateDag, type DagTask, type ValidDag } from './validate.js';

export interface BlockPlacementOptions {
  /** Most work one invoker may take, as a multiple of the mean; >= 1. The planner's default: 1.1. */
  readonly capacityFactor?: number;
  readonly seed?: number;
  /** Refinement passes; the planner's default: 4 (the affinity route's). */
  readonly passes?: number;
  /**
   * Plans tried, with seeds seed, seed+1, ...; the one keeping most data volume inside invokers
   * wins (ties: the most even, then the first). Default 8. The planner streams breadth-first from
   * a seeded start, and on a small chain graph the start decides a lot: from the middle of a
   * stencil's path of chains it splits the path badly.
   */
  readonly tries?: number;
  /** Prepended to every color; default `dag-`. */
  readonly prefix?: string;
}

export interface BlockPlacement {
  /** task id -> color (its chain's). */
  readonly colors: Map<string, string>;
  /** color -> invoker. */
  readonly pins: Map<string, number>;
  /** The chain graph the plan was made from. */
  readonly graph: PlanGraph;
  readonly summary: PlanSummary;
  /** The seed of the plan kept: the affinity route given it (and the capacity factor) pins the same. */
  readonly seed: number;
}

/**
 * The chain graph of a colored DAG: one node per color (weight: the sum of its tasks' computeMs,
 * default 1 each), one edge per pair of colors that exchange data (weight: the outputBytes,
 * default 1, that cross between them, both directions summed). Nodes in color order, edges in
 * order of first appearance: deterministic. A DAG whose tasks all have computeMs 0 weighs each
 * task 1 instead, so the planner still balances chains by their task counts.
 */
export function chainGraph(dag: IndexedDag, colors: readonly number[], prefix: string): PlanGraph {
  const total = dag.tasks.reduce((sum, t) => sum + (t.computeMs ?? 1), 0);
  const work: number[] = [];
  const volume = new Map<string, { a: number; b: number; weight: number }>();
  dag.tasks.forEach((task, id) => {
    const own = colors[id]!;
    work[own] = (work[own] ?? 0) + (total > 0 ? (task.computeMs ?? 1) : 1);
    for (const input of task.inputs) {
      const other = colors[input]!;
      if (other === own) continue;
      const [a, b] = other < own ? [other, own] : [own, other];
      const key = `${a} ${b}`;
      const edge = volume.get(key) ?? { a, b, weight: 0 };
      edge.weight += dag.tasks[input]!.outputBytes ?? 1;
      volume.set(key, edge);
    }
  });
  const nodes = [];
  for (let c = 0; c < work.length; c++) nodes.push({ id: colorName(prefix, c), weight: work[c] ?? 0 });
  const edges = [...volume.values()].map((e) => ({
    a: colorName(prefix, e.a),
    b: colorName(prefix, e.b),
    weight: e.weight,
  }));
  return { nodes, edges };
}

export interface ChainPlan {
  /** Chain color index per task (indexed.ts's chainColoring). */
  readonly colors: number[];
  /** color name -> invoker. */
  readonly pins: Map<string, number>;
  readonly graph: PlanGraph;
  readonly summary: PlanSummary;
  /** The seed of the plan kept: the affinity route given it (and the capacity factor) pins the same. */
  readonly seed: number;
}

/** Chain coloring of a DAG in indexed form (the benchmark's), then its chain graph planned. */
export function planChains(
  dag: IndexedDag,
  invokers: readonly number[],
  options: BlockPlacementOptions = {},
): ChainPlan {
  const prefix = checkPrefix(options.prefix ?? 'dag-');
  const colors = chainIndices(dag);
  const graph = chainGraph(dag, colors, prefix);
  const tries = options.tries ?? 8;
  if (!Number.isInteger(tries) || tries < 1) throw new RangeError('tries must be a positive integer');
  const first = options.seed ?? DEFAULT_PLAN_OPTIONS.seed;
  let best: Plan | undefined;
  for (let k = 0; k < tries; k++) {
    const candidate = plan(graph, invokers, {
      ...(options.capacityFactor === undefined ? {} : { capacityFactor: options.capacityFactor }),
      ...(options.passes === undefined ? {} : { passes: options.passes }),
      seed: first + k,
    });
    if (best === undefined || better(candidate.summary, best.summary)) best = candidate;
  }
  return { colors, pins: best!.assignment, graph, summary: best!.summary, seed: best!.summary.seed };
}

function better(a: PlanSummary, b: PlanSummary): boolean {
  const eps = 1e-12;
  if (a.edgeLocality > b.edgeLocality + eps) return true;
  return a.edgeLocality >= b.edgeLocality - eps && a.maxMeanLoad < b.maxMeanLoad - eps;
}

/**
 * Block placement of an application's DAG: chain coloring, then the chain graph planned over
 * `invokers`. Validated first: a refused DAG (DagError) places nothing.
 */
export function blockPlacement(
  dag: readonly DagTask[] | ValidDag,
  invokers: readonly number[],
  options: BlockPlacementOptions = {},
): BlockPlacement {
  const valid = validateDag(dag);
  const prefix = checkPrefix(options.prefix ?? 'dag-');
  const planned = planChains(valid, invokers, options);
  return {
    colors: namedColors(valid, planned.colors, prefix),
    pins: planned.pins,
    graph: planned.graph,
    summary: planned.summary,
    seed: planned.seed,
  };
}

/**
 * The chain graph as the affinity route's body (src/planner/edge-list.ts): `@rate` lines for every
 * chain first, then the edges, so the route interns the colors in the same order as `plan` here.
 */
export function edgeList(graph: PlanGraph): string {
  const lines = graph.nodes.map((n) => `@rate ${n.id} ${n.weight}`);
  for (const e of graph.edges) lines.push(`${e.a} ${e.b} ${e.weight ?? 1}`);
  return `${lines.join('\n')}\n`;
}
