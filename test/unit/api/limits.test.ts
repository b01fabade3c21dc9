/** Fires per minute (R11): OpenWhisk's per-minute count, the replica split, and its 429 message. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { individualLimit, MinuteRateThrottle, tooManyRequests } from '../../../src/api/limits.js';

describe('MinuteRateThrottle', () => {
  it('allows `allowed` operations per namespace and wall-clock minute, then refuses', () => {
    let now = 60_000 * 100 + 5;
    const throttle = new MinuteRateThrottle(() => now);
    expect([1, 2, 3].map(() => throttle.check('ns', 2).ok)).toEqual([true, true, false]);
    expect(throttle.check('ns', 2)).toEqual({ ok: false, count: 4, allowed: 2 });
    expect(throttle.check('other', 2).ok).toBe(true);
    now += 60_000;
    expect(throttle.check('ns', 2)).toEqual({ ok: true, count: 1, allowed: 2 });
  });

  it('blocks everything at 0', () => {
    expect(new MinuteRateThrottle(() => 0).check('ns', 0).ok).toBe(false);
  });

  it('counts exactly: within one minute the k-th operation is allowed iff k <= allowed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 80 }), (allowed, ops) => {
        const throttle = new MinuteRateThrottle(() => 1_000);
        for (let k = 1; k <= ops; k++) expect(throttle.check('ns', allowed).ok).toBe(k <= allowed);
      }),
    );
  });
});

describe('individualLimit (R11)', () => {
  it("keeps one replica's limit, splits 1.2x between replicas, at least 1, 0 blocks", () => {
    expect(individualLimit(60, 1)).toBe(60);
    expect(individualLimit(60, 3)).toBe(24);
    expect(individualLimit(1, 5)).toBe(1);
    expect(individualLimit(0, 3)).toBe(0);
  });

  it("has OpenWhisk's message", () => {
    expect(tooManyRequests(61, 60)).toBe('Too many requests in the last minute (count: 61, allowed: 60).');
  });
});
