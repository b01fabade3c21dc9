/**
 * The two ways Palette colors a DAG (palette.md, "Coloring DAGs"), on a DAG whose tasks are
 * numbered 0..n-1 in a topological order (every input's index is below its consumer's). The
 * application-facing API (tasks named by string ids, validated) is in tasks.ts; the benchmark's
 * Task Bench generators produce this form directly.
 *
 * - chain coloring: walk the tasks in topological order; each uncolored task opens a new color
 *   and hands it down its chain (its first uncolored dependent, then that one's, ...). Every task
 *   with inputs then has at least one input of its own color.
 * - virtual workers: a Dask-like list scheduler places tasks, in topological order, on V virtual
 *   workers: a task goes to the worker holding most of its input bytes (ties: the least loaded);
 *   roots go to the least loaded worker. The virtual worker's id is the color.
 */

export interface IndexedTask {
  /** Indices of the tasks whose outputs this one reads; each below this task's own index. */
  readonly inputs: readonly number[];
  /** Size of the task's output; default 1 (only ratios matter). */
  readonly outputBytes?: number;
  /** The task's work; default 1 (only ratios matter). */
  readonly computeMs?: number;
}

export interface IndexedDag {
  /** In a topological order: task i reads only tasks below i. */
  readonly tasks: readonly IndexedTask[];
}

/** Dependents of every task, in task order. */
export function dependentsOf(dag: IndexedDag): number[][] {
  const dependents = dag.tasks.map((): number[] => []);
  dag.tasks.forEach((task, id) => {
    for (const input of task.inputs) dependents[input]!.push(id);
  });
  return dependents;
}

/** Chain coloring (Palette; Simon 1988's chain decomposition, greedy). Colors are 0, 1, ... */
export function chainColoring(dag: IndexedDag): number[] {
  const colors = new Array<number>(dag.tasks.length).fill(-1);
  const dependents = dependentsOf(dag);
  let next = 0;
  for (let id = 0; id < dag.tasks.length; id++) {
    if (colors[id] !== -1) continue;
    const color = next++;
    let current: number | undefined = id;
    while (current !== undefined) {
      colors[current] = color;
      current = dependents[current]!.find((d) => colors[d] === -1);
    }
  }
  return colors;
}

/**
 * Virtual-worker coloring: the color is the virtual worker a Dask-like scheduler picks. Input
 * bytes are `outputBytes` (default 1 per input), load is `computeMs` (default 1 per task).
 */
export function virtualWorkerColoring(dag: IndexedDag, virtualWorkers: number): number[] {
  if (!Number.isInteger(virtualWorkers) || virtualWorkers < 1)
    throw new RangeError('virtualWorkers must be >= 1');
  const colors = new Array<number>(dag.tasks.length).fill(-1);
  const load = new Array<number>(virtualWorkers).fill(0);
  dag.tasks.forEach((task, id) => {
    const held = new Array<number>(virtualWorkers).fill(0);
    for (const input of task.inputs) held[colors[input]!]! += dag.tasks[input]!.outputBytes ?? 1;
    let best = 0;
    for (let w = 1; w < virtualWorkers; w++) {
      if (held[w]! > held[best]! || (held[w] === held[best] && load[w]! < load[best]!)) best = w;
    }
    colors[id] = best;
    load[best]! += task.computeMs ?? 1;
  });
  return colors;
}

/** Tasks with inputs none of which shares their color (0 for chain coloring, by construction). */
export function tasksWithoutLocalInput(dag: IndexedDag, colors: readonly number[]): number {
  let count = 0;
  dag.tasks.forEach((task, id) => {
    if (task.inputs.length > 0 && !task.inputs.some((i) => colors[i] === colors[id])) count++;
  });
  return count;
}

/**
 * Tasks whose output need not go to the remote store: every dependent has the task's own color,
 * so it is placed on the producer's invoker and reads the output there. Sinks (no dependents)
 * always write remotely: their outputs are the DAG's results. Without colors nothing is local.
 */
export function localOnlyOutputs(dag: IndexedDag, colors: readonly number[] | undefined): boolean[] {
  const dependents = dependentsOf(dag);
  return dag.tasks.map(
    (_, id) =>
      colors !== undefined &&
      dependents[id]!.length > 0 &&
      dependents[id]!.every((d) => colors[d] === colors[id]),
  );
}
