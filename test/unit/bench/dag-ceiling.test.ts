import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ceiling,
  fairShareRate,
  fetchShare,
  localInputFraction,
  summarize,
  total,
  type RunMeasure,
} from '../../../bench/lib/dag-ceiling.js';
import {
  authorsComparison,
  ceilingTable,
  resultTable,
  signedPercent,
  type PatternResult,
} from '../../../bench/lib/dag-table.js';

const run = (over: Partial<RunMeasure>): RunMeasure => ({
  seconds: 10,
  bytesReadRemote: 0,
  bytesWrittenRemote: 0,
  bytesReadLocal: 0,
  fetchMs: 0,
  computeMs: 0,
  writeMs: 0,
  invokersUsed: 4,
  localOnly: 0,
  misses: 0,
  recomputed: 0,
  ...over,
});

describe('locality ceiling (R9)', () => {
  it('is T_random - T_random_local, and a placement gets (T_random - T) / ceiling of it', () => {
    const c = ceiling(
      { seconds: 10, remoteBytes: 1000 },
      { seconds: 6, remoteBytes: 200 },
      { seconds: 7, remoteBytes: 400 },
    );
    expect(c.ceilingSeconds).toBe(4);
    expect(c.gain).toBeCloseTo(0.3);
    expect(c.ceilingGain).toBeCloseTo(0.4);
    expect(c.ofCeiling).toBeCloseTo(0.75);
    expect(c.volumeCeiling).toBeCloseTo(0.8);
    expect(c.volumeCut).toBeCloseTo(0.6);
    expect(c.ofVolumeCeiling).toBeCloseTo(0.75);
  });

  it('has no share when the ceiling is not positive (random-local no faster: noise), instead of dividing by it', () => {
    const c = ceiling(
      { seconds: 5, remoteBytes: 10 },
      { seconds: 5.2, remoteBytes: 10 },
      { seconds: 4, remoteBytes: 10 },
    );
    expect(c.ofCeiling).toBeUndefined();
    expect(c.ofVolumeCeiling).toBeUndefined();
  });

  it('random gets 0% of the ceiling and random-local 100%, for any times with a positive ceiling', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 1000, noNaN: true }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        (t, f) => {
          const random = { seconds: t, remoteBytes: 100 };
          const local = { seconds: t * f, remoteBytes: 10 };
          expect(ceiling(random, local, random).ofCeiling).toBeCloseTo(0);
          expect(ceiling(random, local, local).ofCeiling).toBeCloseTo(1);
          expect(ceiling(random, local, local).ofVolumeCeiling).toBeCloseTo(1);
        },
      ),
    );
  });

  it('sums patterns for the overall row', () => {
    expect(
      total([
        { seconds: 1, remoteBytes: 2 },
        { seconds: 3, remoteBytes: 4 },
      ]),
    ).toEqual({ seconds: 4, remoteBytes: 6 });
  });
});

describe('per-run figures', () => {
  it('fetch share and local-input fraction', () => {
    expect(fetchShare(run({ fetchMs: 30, computeMs: 60, writeMs: 10 }))).toBeCloseTo(0.3);
    expect(fetchShare(run({}))).toBe(0);
    expect(localInputFraction(run({ bytesReadLocal: 1, bytesReadRemote: 3 }))).toBeCloseTo(0.25);
    expect(localInputFraction(run({}))).toBe(1); // no inputs: nothing was fetched remotely
  });

  it('summarize takes medians per figure and sums misses', () => {
    const f = summarize([
      run({ seconds: 3, bytesReadRemote: 10, misses: 1 }),
      run({ seconds: 1, bytesReadRemote: 30, bytesWrittenRemote: 5 }),
      run({ seconds: 2, bytesReadRemote: 20, misses: 2, recomputed: 2 }),
    ]);
    expect(f.seconds).toBe(2);
    expect(f.remoteReadBytes).toBe(20);
    expect(f.remoteBytes).toBe(20);
    expect(f.misses).toBe(3);
    expect(f.recomputed).toBe(2);
    expect(() => summarize([])).toThrow();
  });

  it('fair-share rate: one output at rate / flows lasts the compute time', () => {
    const rate = fairShareRate(4 * 2 ** 20, 16, 8000);
    expect(rate).toBe(8 * 2 ** 20);
    expect((4 * 2 ** 20) / (rate / 16)).toBeCloseTo(8);
    expect(() => fairShareRate(1, 1, 0)).toThrow(/compute/);
  });
});

describe('report tables', () => {
  const fig = (seconds: number, remote: number, local = 0) =>
    summarize([
      run({
        seconds,
        bytesReadRemote: remote * 2 ** 20,
        bytesReadLocal: local * 2 ** 20,
        fetchMs: 1,
        computeMs: 1,
      }),
    ]);
  const results: PatternResult[] = [
    {
      pattern: 'fft',
      tasks: 48,
      figures: { chain: fig(8, 20, 20), random: fig(10, 40), 'random-local': fig(6, 0, 40) },
    },
    {
      pattern: 'dom',
      tasks: 16,
      figures: { chain: fig(5, 5, 5), random: fig(5, 10), 'random-local': fig(5, 0, 10) },
    },
  ];

  it('give each placement its gain and share of the ceiling, n/a where the ceiling is 0', () => {
    const lines = resultTable(results, ['chain', 'random', 'random-local']);
    expect(lines[2]).toMatch(/^\| fft \| 48 \| chain \| 8\.00 \| -20% \| 50% \| 50% \| 50% \| 20\.0 \|/);
    expect(lines[3]).toMatch(/\| fft \| 48 \| random \| 10\.00 \| \+0% \| 0% \|/);
    expect(lines[4]).toMatch(/\| random-local \| 6\.00 \| -40% \| 100% \|/);
    expect(lines[5]).toMatch(/\| dom \| 16 \| chain \| 5\.00 \| \+0% \| n\/a \|/);
  });

  it('sum the patterns in the ceiling table and compare chain with the authors on dom, all-to-all, fft', () => {
    const lines = ceilingTable(results, ['chain', 'random', 'random-local']);
    expect(lines[2]).toBe('| fft | 4.00 | -40% | -100% | -20%, 50%, 50% |');
    expect(lines.at(-1)).toBe('| all patterns (sums) | 4.00 | -27% | -100% | -13%, 50%, 50% |');
    const authors = authorsComparison(results);
    expect(authors).toContain('| fft | -21% | -20% | -40% | 50% |');
    expect(authors).toContain('| all-to-all | -18% | not run | not run | not run |');
    expect(authors.at(-1)).toMatch(/abstract.*-46%/);
    expect(signedPercent(-0.031)).toBe('+3%');
  });
});
