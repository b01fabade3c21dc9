/**
 * An application's DAG, given as tasks and dependencies, checked and put in a topological order
 * (the form the colorings of indexed.ts take). Refused, naming the task, and nothing placed:
 * a duplicate task id, a dependency on a task that is not in the DAG, a cycle (a task depending
 * on itself included), and malformed fields.
 */
import type { IndexedDag, IndexedTask } from './indexed.js';

export interface DagTask {
  /** Unique within the DAG; any non-empty string. */
  readonly id: string;
  /** Ids of the tasks whose outputs this one reads. */
  readonly deps: readonly string[];
  /** Size of the task's output, weighing the edges to its consumers; default 1. */
  readonly outputBytes?: number;
  /** The task's work, weighing its chain's load; default 1. */
  readonly computeMs?: number;
}

export type DagProblem = 'duplicate-id' | 'missing-dependency' | 'cycle' | 'malformed';

export class DagError extends Error {
  constructor(
    /** The task the problem is about (for a cycle, the first task of the cycle found). */
    readonly task: string,
    readonly problem: DagProblem,
    message: string,
  ) {
    super(message);
    this.name = 'DagError';
  }
}

/** A validated DAG: tasks in a topological order, inputs by index, and each task's id. */
export interface ValidDag extends IndexedDag {
  readonly tasks: readonly IndexedTask[];
  /** ids[i] is the id of tasks[i]. */
  readonly ids: readonly string[];
}

const isValidDag = (dag: readonly DagTask[] | ValidDag): dag is ValidDag =>
  typeof dag === 'object' && dag !== null && 'ids' in dag;

/** The DAG checked and topologically ordered; a ValidDag is returned as it is. Throws DagError. */
export function validateDag(dag: readonly DagTask[] | ValidDag): ValidDag {
  if (isValidDag(dag)) return dag;
  return orderTasks(dag);
}

function orderTasks(given: readonly DagTask[]): ValidDag {
  if (!Array.isArray(given)) throw new TypeError('a DAG is an array of tasks {id, deps}');
  const dag: readonly DagTask[] = given;
  const position = new Map<string, number>();
  dag.forEach((task: DagTask, i) => {
    checkFields(task, i);
    const earlier = position.get(task.id);
    if (earlier !== undefined)
      throw new DagError(
        task.id,
        'duplicate-id',
        `task id ${quote(task.id)} is given twice (tasks #${earlier} and #${i})`,
      );
    position.set(task.id, i);
  });
  const deps = dag.map((task) =>
    [...new Set<string>(task.deps)].map((dep) => {
      const at = position.get(dep);
      if (at === undefined)
        throw new DagError(
          task.id,
          'missing-dependency',
          `task ${quote(task.id)} depends on ${quote(dep)}, which is not a task of the DAG`,
        );
      return at;
    }),
  );
  const order = topologicalOrder(dag, deps);
  const indexOf = new Int32Array(dag.length);
  order.forEach((original, i) => (indexOf[original] = i));
  return {
    ids: order.map((i) => dag[i]!.id),
    tasks: order.map((i) => {
      const task = dag[i]!;
      return {
        inputs: deps[i]!.map((d) => indexOf[d]!),
        ...(task.outputBytes === undefined ? {} : { outputBytes: task.outputBytes }),
        ...(task.computeMs === undefined ? {} : { computeMs: task.computeMs }),
      };
    }),
  };
}

function checkFields(task: DagTask, i: number): void {
  if (typeof task !== 'object' || task === null)
    throw new DagError(`#${i}`, 'malformed', `task #${i} is not an object {id, deps}`);
  if (typeof task.id !== 'string' || task.id === '')
    throw new DagError(`#${i}`, 'malformed', `task #${i} has no id (a non-empty string)`);
  if (!Array.isArray(task.deps) || task.deps.some((d) => typeof d !== 'string'))
    throw new DagError(task.id, 'malformed', `task ${quote(task.id)}: deps must be an array of task ids`);
  for (const field of ['outputBytes', 'computeMs'] as const) {
    const value = task[field];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0))
      throw new DagError(
        task.id,
        'malformed',
        `task ${quote(task.id)}: ${field} must be a non-negative number, got ${JSON.stringify(value)}`,
      );
  }
}

/**
 * Depth-first post-order, starting from the tasks in the order given (so an order that is already
 * topological is kept as it is); iterative, so a chain of a million tasks does not overflow the
 * stack. A task met again while it is still open closes a cycle.
 */
function topologicalOrder(dag: readonly DagTask[], deps: readonly number[][]): number[] {
  const NEW = 0;
  const OPEN = 1;
  const DONE = 2;
  const state = new Uint8Array(dag.length);
  const order: number[] = [];
  const stack: number[] = [];
  const cursor = new Int32Array(dag.length);
  for (let root = 0; root < dag.length; root++) {
    if (state[root] !== NEW) continue;
    stack.push(root);
    state[root] = OPEN;
    while (stack.length > 0) {
      const v = stack[stack.length - 1]!;
      const next = deps[v]![cursor[v]!++];
      if (next === undefined) {
        stack.pop();
        state[v] = DONE;
        order.push(v);
      } else if (state[next] === OPEN) {
        const cycle = stack.slice(stack.indexOf(next)).map((i) => dag[i]!.id);
        const path = [...cycle, cycle[0]!].map(quote).join(' -> ');
        throw new DagError(
          dag[next]!.id,
          'cycle',
          `task ${quote(dag[next]!.id)} is on a dependency cycle: ${path} (each depends on the next)`,
        );
      } else if (state[next] === NEW) {
        state[next] = OPEN;
        stack.push(next);
      }
    }
  }
  return order;
}

const quote = (id: string): string => JSON.stringify(id.length > 80 ? `${id.slice(0, 77)}...` : id);
