/**
 * Zipf(s) over ranks 1..n: P(rank k) = k^-s / H(n, s). Sampled by inverting the cumulative
 * distribution with a binary search (n is small: one entry per user).
 */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly exponent: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Zipf needs n >= 1, got ${n}`);
    if (!(exponent >= 0)) throw new RangeError(`Zipf needs an exponent >= 0, got ${exponent}`);
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) this.cdf[k] = sum += 1 / (k + 1) ** exponent;
    for (let k = 0; k < n; k++) this.cdf[k]! /= sum;
  }

  /** The probability of rank index k (0-based: 0 is the most popular). */
  probability(k: number): number {
    return this.cdf[k]! - (k === 0 ? 0 : this.cdf[k - 1]!);
  }

  /** A 0-based rank index. */
  sample(random: () => number): number {
    const u = random();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
