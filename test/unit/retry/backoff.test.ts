import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff, backoffPause, sleep } from '../../../src/retry/backoff.js';

const options = fc
  .tuple(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }))
  .map(([firstMs, extra]) => ({ firstMs, maxMs: firstMs + extra }));

describe('Backoff', () => {
  it('property: pauses start at firstMs, double, never pass maxMs, and reset starts over', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 40 }), (opts, tries) => {
        const backoff = new Backoff(opts);
        const pauses = Array.from({ length: tries }, () => backoff.next());
        expect(pauses[0]).toBe(opts.firstMs);
        for (let i = 1; i < pauses.length; i++)
          expect(pauses[i]).toBe(Math.min(pauses[i - 1]! * 2, opts.maxMs));
        for (const pause of pauses) expect(pause).toBeLessThanOrEqual(opts.maxMs);
        backoff.reset();
        expect(backoff.next()).toBe(opts.firstMs);
      }),
    );
  });

  it('property: backoffPause(attempt) is the pause a Backoff gives on that try', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 0, max: 60 }), (opts, attempt) => {
        const backoff = new Backoff(opts);
        let pause = 0;
        for (let i = 0; i <= attempt; i++) pause = backoff.next();
        expect(backoffPause(attempt, opts)).toBe(pause);
      }),
    );
  });

  it('keeps the series the loops used before it (subscribe retries, start-up, health action)', () => {
    const series = (firstMs: number, maxMs: number) =>
      Array.from({ length: 8 }, (_, attempt) => backoffPause(attempt, { firstMs, maxMs }));
    expect(series(100, 2_000)).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    expect(series(500, 10_000)).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    expect(backoffPause(-3, { firstMs: 200, maxMs: 5_000 })).toBe(200);
  });

  it('refuses a first pause that is not positive or a ceiling below it', () => {
    expect(() => new Backoff({ firstMs: 0, maxMs: 10 })).toThrow(/0 < firstMs <= maxMs/);
    expect(() => new Backoff({ firstMs: 100, maxMs: 50 })).toThrow(RangeError);
  });

  it('waits its pause', async () => {
    const started = performance.now();
    await new Backoff({ firstMs: 30, maxMs: 30 }).wait();
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    await sleep(0);
  });
});
