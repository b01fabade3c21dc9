/**
 * The colorings for an application's DAG (tasks named by string ids): each task's color is a
 * string ready to pass as `__palette_color`, `${prefix}${n}`. The DAG is validated first
 * (validate.ts); a refused DAG colors nothing.
 */
import { chainColoring as chainIndices, virtualWorkerColoring as virtualWorkerIndices } from './indexed.js';
import { validateDag, type DagTask, type ValidDag } from './validate.js';

export interface ColorOptions {
  /**
   * Prepended to every color; default `dag-`. Give each DAG run its own (e.g. a run id) when its
   * outputs must not be mistaken for another run's, and so that its pins replace nobody else's.
   */
  readonly prefix?: string;
}

/** Palette's limit on a color (README "Colors"); the planner's edge list also needs no whitespace or comma. */
const MAX_COLOR = 256;

export function colorName(prefix: string, index: number): string {
  return `${prefix}${index}`;
}

export function checkPrefix(prefix: string): string {
  if (typeof prefix !== 'string' || /[\s,]/.test(prefix) || prefix.length > MAX_COLOR - 12)
    throw new RangeError(
      `color prefix must be a string without whitespace or commas, at most ${MAX_COLOR - 12} characters`,
    );
  return prefix;
}

/** task id -> color, from colors by index. */
export function namedColors(dag: ValidDag, indices: readonly number[], prefix: string): Map<string, string> {
  return new Map(dag.ids.map((id, i) => [id, colorName(prefix, indices[i]!)]));
}

/**
 * Chain coloring (the paper's): the DAG split into chains, one color each; every task with
 * inputs has at least one input of its own color, so it runs where that input already is.
 */
export function chainColoring(
  dag: readonly DagTask[] | ValidDag,
  options: ColorOptions = {},
): Map<string, string> {
  const valid = validateDag(dag);
  return namedColors(valid, chainIndices(valid), checkPrefix(options.prefix ?? 'dag-'));
}

/**
 * Virtual workers (the paper's): a Dask-like list scheduler over `workers` virtual workers, each
 * task to the worker holding most of its input bytes (ties: least loaded); the worker is the color.
 */
export function virtualWorkers(
  dag: readonly DagTask[] | ValidDag,
  workers: number,
  options: ColorOptions = {},
): Map<string, string> {
  const valid = validateDag(dag);
  return namedColors(valid, virtualWorkerIndices(valid, workers), checkPrefix(options.prefix ?? 'dag-'));
}
