/**
 * Task graphs shaped like Task Bench's dependence patterns (Slaughter et al., SC 2020), and the two
 * ways Palette colors them (palette.md, "Coloring DAGs").
 *
 * Patterns, for `width` points and `steps` timesteps; task (t, i) depends on tasks of step t-1:
 * - stencil: i-1, i, i+1 (a 1-D three-point stencil, clipped at the edges);
 * - fft: i and i XOR 2^((t-1) mod log2 width) (a butterfly; width a power of two);
 * - tree: a binary reduction: step t has ceil(width / 2^t) points, point i reads 2i and 2i+1;
 *   the graph ends when one point is left (steps is ignored beyond that);
 * - all-to-all: every point of step t-1.
 *
 * The colorings (chain coloring, virtual workers) live in src/dag/indexed.ts and are re-exported.
 */
export type Pattern = 'stencil' | 'fft' | 'tree' | 'all-to-all';
export const PATTERNS: readonly Pattern[] = ['stencil', 'fft', 'tree', 'all-to-all'];

export interface Task {
  /** Index in `Dag.tasks`; tasks are listed in a topological order (by step). */
  readonly id: number;
  readonly step: number;
  readonly point: number;
  readonly inputs: readonly number[];
}

export interface Dag {
  readonly pattern: Pattern;
  readonly width: number;
  readonly steps: number;
  readonly tasks: readonly Task[];
}

export function buildDag(pattern: Pattern, width: number, steps: number): Dag {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`width must be >= 1, got ${width}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be >= 1, got ${steps}`);
  if (pattern === 'fft' && (width & (width - 1)) !== 0)
    throw new RangeError(`fft needs a power-of-two width, got ${width}`);
  const tasks: Task[] = [];
  let previous: number[] = [];
  const stages = pattern === 'tree' ? Math.ceil(Math.log2(width)) + 1 : steps;
  const log = Math.max(1, Math.log2(width));
  for (let t = 0; t < stages; t++) {
    const points = pattern === 'tree' ? Math.ceil(width / 2 ** t) : width;
    const current: number[] = [];
    for (let i = 0; i < points; i++) {
      let deps: number[] = [];
      if (t > 0) {
        switch (pattern) {
          case 'stencil':
            deps = [i - 1, i, i + 1].filter((j) => j >= 0 && j < width);
            break;
          case 'fft':
            deps = width === 1 ? [i] : [...new Set([i, i ^ (1 << ((t - 1) % log))])];
            break;
          case 'tree':
            deps = [2 * i, 2 * i + 1].filter((j) => j < previous.length);
            break;
          case 'all-to-all':
            deps = previous.map((_, j) => j);
            break;
        }
      }
      const id = tasks.length;
      tasks.push({ id, step: t, point: i, inputs: deps.map((j) => previous[j]!) });
      current.push(id);
    }
    previous = current;
  }
  return { pattern, width, steps: stages, tasks };
}

// The colorings moved to the application library src/dag (issue 19 item 5); the benchmark keeps
// its names. A Dag here is an IndexedDag there: tasks listed by step, inputs by index.
export {
  chainColoring,
  dependentsOf,
  localOnlyOutputs,
  tasksWithoutLocalInput,
  virtualWorkerColoring,
} from '../../src/dag/indexed.js';
