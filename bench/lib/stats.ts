/** Order statistics shared by the benchmarks. */

/** Ascending copy. */
export const sortNumbers = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

/** The p-th percentile (0..100) of an ascending array, nearest rank below; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The upper median of unsorted values. */
export const median = (xs: readonly number[]): number => sortNumbers(xs)[Math.floor(xs.length / 2)]!;
