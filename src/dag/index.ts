/**
 * DAG coloring for applications (issue 19 item 5; README "DAG coloring for applications"). Pure:
 * no I/O. A DAG is an array of tasks `{id, deps, outputBytes?, computeMs?}`:
 *
 *   validateDag(dag)                      -> ValidDag, or throws DagError naming the task
 *   chainColoring(dag, {prefix})          -> Map task id -> color (the paper's chain coloring)
 *   virtualWorkers(dag, V, {prefix})      -> Map task id -> color (the paper's virtual workers)
 *   blockPlacement(dag, invokers, {capacityFactor, seed, passes, prefix})
 *                                         -> { colors: task id -> color, pins: color -> invoker }
 *   edgeList(placement.graph)             -> the affinity route's body for those pins
 *
 * The same colorings over tasks numbered in topological order (the benchmark's form) are in
 * indexed.ts, exported here as `indexed`.
 */
export { DagError, validateDag, type DagProblem, type DagTask, type ValidDag } from './validate.js';
export { chainColoring, virtualWorkers, type ColorOptions } from './colors.js';
export {
  blockPlacement,
  chainGraph,
  edgeList,
  planChains,
  type BlockPlacement,
  type BlockPlacementOptions,
  type ChainPlan,
} from './placement.js';
export * as indexed from './indexed.js';
