/**
 * The DAG experiment's report (results/dag/table.md): per pattern and placement the run time,
 * its gain over random and share of the locality ceiling, fetch share, local-input fraction and
 * remote bytes; then the gains beside the authors' measured band and the abstract's -46%.
 * Pure: figures in, markdown lines out (bench/dag.ts writes them).
 */
import { ABSTRACT_GAIN, AUTHORS_BAND, ceiling, total, type PlacementFigures } from './dag-ceiling.js';

export type Placement = 'chain' | 'block' | 'virtual' | 'random' | 'random-local' | 'round-robin';

export interface PatternResult {
  readonly pattern: string;
  readonly tasks: number;
  readonly figures: Partial<Record<Placement, PlacementFigures>>;
}

/** -12% for a 12% cut in run time (a gain of 0.12), +3% for a 3% slowdown. */
export const signedPercent = (gain: number): string =>
  `${gain > 0 ? '-' : '+'}${Math.abs(100 * gain).toFixed(0)}%`;
const percent = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(100 * x).toFixed(0)}%`);
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** Placements whose share of the ceiling is reported (random is the reference, random-local the ceiling). */
const COMPARED: readonly Placement[] = ['chain', 'block', 'virtual', 'round-robin'];

export function resultTable(results: readonly PatternResult[], placements: readonly Placement[]): string[] {
  const lines = [
    '| pattern | tasks | placement | run time (s) | vs random | % of ceiling | fetch share | local-input fraction | remote MiB (read + written) | remote MiB read | remote MiB written | misses (recomputed) | invokers used |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const result of results) {
    const random = result.figures.random;
    const local = result.figures['random-local'];
    for (const placement of placements) {
      const f = result.figures[placement];
      if (!f) continue;
      const c = random && local ? ceiling(random, local, f) : undefined;
      const share =
        placement === 'random' ? '0%' : placement === 'random-local' ? '100%' : percent(c?.ofCeiling);
      lines.push(
        `| ${result.pattern} | ${result.tasks} | ${placement} | ${f.seconds.toFixed(2)} | ` +
          `${random ? signedPercent(1 - f.seconds / random.seconds) : 'n/a'} | ${c ? share : 'n/a'} | ` +
          `${percent(f.fetchShare)} | ${percent(f.localInputFraction)} | ${mib(f.remoteBytes)} | ${mib(f.remoteReadBytes)} | ` +
          `${mib(f.remoteWrittenBytes)} | ${f.misses} (${f.recomputed}) | ${f.invokersUsed} |`,
      );
    }
  }
  return lines;
}

export function ceilingTable(results: readonly PatternResult[], placements: readonly Placement[]): string[] {
  const compared = COMPARED.filter((p) => placements.includes(p));
  const lines = [
    `| pattern | ceiling (s) | ceiling as a gain | volume ceiling | ${compared.map((p) => `${p}: gain, % of ceiling, % of volume ceiling`).join(' | ')} |`,
    `|---|---|---|---|${compared.map(() => '---|').join('')}`,
  ];
  const rows = results.filter((r) => r.figures.random && r.figures['random-local']);
  /** One line from the figures of one pattern, or the sums over several. */
  const line = (name: string, of: readonly PatternResult[]) => {
    const random = total(of.map((r) => r.figures.random!));
    const local = total(of.map((r) => r.figures['random-local']!));
    const base = ceiling(random, local, random);
    const cells = compared.map((p) => {
      const chosen = of.map((r) => r.figures[p]);
      if (chosen.some((f) => f === undefined)) return 'n/a';
      const c = ceiling(random, local, total(chosen as PlacementFigures[]));
      return `${signedPercent(c.gain)}, ${percent(c.ofCeiling)}, ${percent(c.ofVolumeCeiling)}`;
    });
    return `| ${name} | ${base.ceilingSeconds.toFixed(2)} | ${signedPercent(base.ceilingGain)} | ${signedPercent(base.volumeCeiling)} | ${cells.join(' | ')} |`;
  };
  for (const result of rows) lines.push(line(result.pattern, [result]));
  if (rows.length > 1) lines.push(line('all patterns (sums)', rows));
  return lines;
}

/** Chain coloring's gain beside the authors' band (dom, all-to-all, fft only, R9) and the abstract. */
export function authorsComparison(results: readonly PatternResult[]): string[] {
  const lines = [
    '| pattern | authors (chain vs random) | chain vs random here | locality ceiling here | chain, % of ceiling |',
    '|---|---|---|---|---|',
  ];
  for (const [pattern, authors] of Object.entries(AUTHORS_BAND)) {
    const r = results.find((x) => x.pattern === pattern);
    const random = r?.figures.random;
    const local = r?.figures['random-local'];
    const chain = r?.figures.chain;
    if (!random || !local || !chain) {
      lines.push(`| ${pattern} | ${signedPercent(authors)} | not run | not run | not run |`);
      continue;
    }
    const c = ceiling(random, local, chain);
    lines.push(
      `| ${pattern} | ${signedPercent(authors)} | ${signedPercent(c.gain)} | ${signedPercent(c.ceilingGain)} | ${percent(c.ofCeiling)} |`,
    );
  }
  lines.push(`| (abstract, Task Bench overall) | ${signedPercent(ABSTRACT_GAIN)} | | | |`);
  return lines;
}
