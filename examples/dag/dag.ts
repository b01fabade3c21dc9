/**
 * The example's DAGs: a small stencil or fft built here (an application knows its own DAG), or one
 * read from a JSON file, an array of tasks `{id, deps, outputBytes?, computeMs?}`.
 */
import { readFileSync } from 'node:fs';
import type { DagTask } from '../../src/dag/index.js';

export type Shape = 'stencil' | 'fft';

/** `width` points over `steps` steps; task `s<step>p<point>` reads points of the step before. */
export function buildShape(shape: Shape, width: number, steps: number): DagTask[] {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`--width must be a whole number >= 1`);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`--steps must be a whole number >= 1`);
  if (shape === 'fft' && (width & (width - 1)) !== 0)
    throw new RangeError(`--shape fft needs a power-of-two --width, got ${width}`);
  const log = Math.max(1, Math.log2(width));
  const tasks: DagTask[] = [];
  for (let step = 0; step < steps; step++) {
    for (let point = 0; point < width; point++) {
      let deps: number[] = [];
      if (step > 0 && shape === 'stencil')
        deps = [point - 1, point, point + 1].filter((j) => j >= 0 && j < width);
      if (step > 0 && shape === 'fft')
        deps = width === 1 ? [point] : [...new Set([point, point ^ (1 << ((step - 1) % log))])];
      tasks.push({ id: `s${step}p${point}`, deps: deps.map((j) => `s${step - 1}p${j}`) });
    }
  }
  return tasks;
}

/** The tasks of a JSON file; their shape is checked by validateDag. */
export function readDagFile(file: string): DagTask[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`--dag ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`--dag ${file}: expected a JSON array of tasks {id, deps}`);
  return parsed as DagTask[];
}
