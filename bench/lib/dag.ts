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
 * - dom (Task Bench's `dom`, a diamond): step t has min(width, t+1, steps-t) points starting at
 *   point max(0, t + width - steps); point i reads points i-1 and i of step t-1 where they exist;
 * - no-comm (Task Bench's `no_comm`): point i reads only point i (independent chains);
 * - nearest (Task Bench's `nearest` with radix r, default 5): points i - floor(r/2) ..
 *   i + floor((r-1)/2), clipped at the edges (r = 3 would equal stencil, hence 5).
 *   Points are identified by their index i in [0, width) across steps, as in Task Bench.
 *
 * The colorings (chain coloring, virtual workers) live in src/dag/indexed.ts and are re-exported.
 */
export type Pattern = 'stencil' | 'fft' | 'tree' | 'all-to-all' | 'dom' | 'no-comm' | 'nearest';
export const PATTERNS: readonly Pattern[] = [
  'stencil',
  'fft',
  'tree',
  'all-to-all',
  'dom',
  'no-comm',
  'nearest',
];

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

export interface PatternOptions {
  /** `nearest`: how many points of the previous step a point reads (Task Bench's -radix); default 5. */
  readonly radix?: number;
}

/** The points of step t: the first point's index and how many there are. */
function stepSpan(
  pattern: Pattern,
  width: number,
  steps: number,
  t: number,
): { first: number; count: number } {
  if (pattern === 'tree') return { first: 0, count: Math.ceil(width / 2 ** t) };
  if (pattern === 'dom')
    return { first: Math.max(0, t + width - steps), count: Math.min(width, t + 1, steps - t) };
  return { first: 0, count: width };
}

/** The points of step t-1 that point i of step t reads (before clipping to the points that exist). */
function sources(pattern: Pattern, width: number, t: number, i: number, radix: number): number[] {
  switch (pattern) {
    case 'stencil':
      return [i - 1, i, i + 1];
    case 'fft': {
      if (width === 1) return [i];
      const log = Math.log2(width);
      return [...new Set([i, i ^ (1 << ((t - 1) % log))])];
    }
    case 'tree':
      return [2 * i, 2 * i + 1];
    case 'all-to-all':
      return Array.from({ length: width }, (_, j) => j);
    case 'dom':
      return [i - 1, i];
    case 'no-comm':
      return [i];
    case 'nearest': {
      const from = i - Math.floor(radix / 2);
      return Array.from({ length: radix }, (_, k) => from + k);
    }
  }
}

export function buildDag(pattern: Pattern, width: number, steps: number, options: PatternOptions = {}): Dag {
  if (!PATTERNS.includes(pattern))
    throw new RangeError(`unknown pattern ${String(pattern)}; one of ${PATTERNS.join(', ')}`);
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`width must be >= 1, got ${width}`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be >= 1, got ${steps}`);
  if (pattern === 'fft' && (width & (width - 1)) !== 0)
    throw new RangeError(`fft needs a power-of-two width, got ${width}`);
  const radix = options.radix ?? 5;
  if (!Number.isInteger(radix) || radix < 1) throw new RangeError(`radix must be >= 1, got ${radix}`);
  const tasks: Task[] = [];
  // Task id of each point of the previous step, by point index.
  let previous = new Map<number, number>();
  const stages = pattern === 'tree' ? Math.ceil(Math.log2(width)) + 1 : steps;
  for (let t = 0; t < stages; t++) {
    const { first, count } = stepSpan(pattern, width, stages, t);
    const current = new Map<number, number>();
    for (let i = first; i < first + count; i++) {
      const inputs =
        t === 0
          ? []
          : sources(pattern, width, t, i, radix)
              .filter((j) => previous.has(j))
              .map((j) => previous.get(j)!);
      const id = tasks.length;
      tasks.push({ id, step: t, point: i, inputs });
      current.set(i, id);
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
