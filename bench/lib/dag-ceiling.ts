/**
 * What locality can be worth on one DAG, and how much of it a placement gets (issue 19 item 3,
 * R9). Pure: measured runs in, figures out.
 *
 * - The locality ceiling is `T_random - T_random_local`: the same random placement, once as is and
 *   once with every input already in every invoker's local store (nothing fetched remotely, and
 *   only the DAG's results written remotely). A placement's "% of ceiling" is
 *   `(T_random - T_placement) / ceiling`.
 * - The volume ceiling is the cut in remote bytes (read + written) that random-local achieves over
 *   random; "% of volume ceiling" is the placement's cut over that.
 * - Fetch share: the tasks' time reading inputs over their time reading, computing and writing.
 * - Local-input fraction: input bytes read from the local store over all input bytes read.
 */
import { median } from './stats.js';

/** One run of one DAG under one placement, as bench/dag.ts measures it. */
export interface RunMeasure {
  readonly seconds: number;
  readonly bytesReadRemote: number;
  readonly bytesWrittenRemote: number;
  readonly bytesReadLocal: number;
  /** Summed over the run's tasks, as the dag-task action reports them. */
  readonly fetchMs: number;
  readonly computeMs: number;
  readonly writeMs: number;
  readonly invokersUsed: number;
  /** Tasks that wrote only locally. */
  readonly localOnly: number;
  /** Consumer calls that found an input in neither store (then the producer was recomputed). */
  readonly misses: number;
  readonly recomputed: number;
}

/** A placement on one DAG: medians over its runs. */
export interface PlacementFigures {
  readonly runs: number;
  readonly seconds: number;
  readonly remoteBytes: number;
  readonly remoteReadBytes: number;
  readonly remoteWrittenBytes: number;
  readonly localReadBytes: number;
  readonly fetchShare: number;
  readonly localInputFraction: number;
  readonly invokersUsed: number;
  /** Summed over the runs. */
  readonly misses: number;
  readonly recomputed: number;
}

export function fetchShare(run: RunMeasure): number {
  const busy = run.fetchMs + run.computeMs + run.writeMs;
  return busy > 0 ? run.fetchMs / busy : 0;
}

export function localInputFraction(run: RunMeasure): number {
  const read = run.bytesReadLocal + run.bytesReadRemote;
  return read > 0 ? run.bytesReadLocal / read : 1;
}

export function summarize(runs: readonly RunMeasure[]): PlacementFigures {
  if (runs.length === 0) throw new RangeError('no runs to summarize');
  return {
    runs: runs.length,
    seconds: median(runs.map((r) => r.seconds)),
    remoteBytes: median(runs.map((r) => r.bytesReadRemote + r.bytesWrittenRemote)),
    remoteReadBytes: median(runs.map((r) => r.bytesReadRemote)),
    remoteWrittenBytes: median(runs.map((r) => r.bytesWrittenRemote)),
    localReadBytes: median(runs.map((r) => r.bytesReadLocal)),
    fetchShare: median(runs.map(fetchShare)),
    localInputFraction: median(runs.map(localInputFraction)),
    invokersUsed: median(runs.map((r) => r.invokersUsed)),
    misses: runs.reduce((s, r) => s + r.misses, 0),
    recomputed: runs.reduce((s, r) => s + r.recomputed, 0),
  };
}

export interface CeilingFigures {
  /** T_random - T_random_local, seconds. */
  readonly ceilingSeconds: number;
  /** 1 - T_placement / T_random (positive = faster than random). */
  readonly gain: number;
  /** The ceiling as a gain: 1 - T_random_local / T_random. */
  readonly ceilingGain: number;
  /** (T_random - T_placement) / ceiling; undefined when the ceiling is not positive (noise). */
  readonly ofCeiling: number | undefined;
  /** 1 - V_random_local / V_random: the achievable cut in remote bytes. */
  readonly volumeCeiling: number;
  /** 1 - V_placement / V_random. */
  readonly volumeCut: number;
  /** volumeCut / volumeCeiling; undefined when there is nothing to cut. */
  readonly ofVolumeCeiling: number | undefined;
}

/** Times and volumes of the three runs that define a placement's share of the ceiling. */
export interface CeilingInputs {
  readonly seconds: number;
  readonly remoteBytes: number;
}

export function ceiling(
  random: CeilingInputs,
  randomLocal: CeilingInputs,
  placement: CeilingInputs,
): CeilingFigures {
  const ceilingSeconds = random.seconds - randomLocal.seconds;
  const cut = random.remoteBytes - randomLocal.remoteBytes;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  return {
    ceilingSeconds,
    gain: 1 - ratio(placement.seconds, random.seconds),
    ceilingGain: 1 - ratio(randomLocal.seconds, random.seconds),
    ofCeiling: ceilingSeconds > 0 ? (random.seconds - placement.seconds) / ceilingSeconds : undefined,
    volumeCeiling: random.remoteBytes > 0 ? cut / random.remoteBytes : 0,
    volumeCut: random.remoteBytes > 0 ? 1 - placement.remoteBytes / random.remoteBytes : 0,
    ofVolumeCeiling: cut > 0 ? (random.remoteBytes - placement.remoteBytes) / cut : undefined,
  };
}

/** Sums of times and volumes over several DAGs (the "all patterns" row). */
export function total(figures: readonly CeilingInputs[]): CeilingInputs {
  return {
    seconds: figures.reduce((s, f) => s + f.seconds, 0),
    remoteBytes: figures.reduce((s, f) => s + f.remoteBytes, 0),
  };
}

/**
 * The authors' measured run-time cuts of chain coloring over random (KarizCache/serverless
 * `results/runtime.csv`, 4 Azure D32s_v3 nodes, 1 GiB outputs), and the paper abstract's figure.
 */
export const AUTHORS_BAND: Readonly<Record<string, number>> = { dom: 0.16, 'all-to-all': 0.18, fft: 0.21 };
export const ABSTRACT_GAIN = 0.46;

/**
 * The link rate that makes one transfer of `outputBytes` at the fair share (`flows` transfers at
 * once share the link) last about `computeMs`, as in the authors' runs (R9).
 */
export function fairShareRate(outputBytes: number, flows: number, computeMs: number): number {
  if (!(computeMs > 0)) throw new RangeError(`compute must be > 0 ms to derive the rate, got ${computeMs}`);
  return (outputBytes * Math.max(1, flows)) / (computeMs / 1000);
}
