import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../bench/lib/token-bucket.js';

describe('token bucket (the fallback link shaper)', () => {
  it('lets the burst through at once, then spaces bytes at the rate', () => {
    const bucket = new TokenBucket(1000, 500, 0); // 1000 bytes/s, 500 bytes of burst
    expect(bucket.reserve(500, 0)).toBe(0);
    expect(bucket.reserve(100, 0)).toBeCloseTo(100); // 100 bytes at 1000 B/s: 100 ms
    expect(bucket.reserve(100, 0)).toBeCloseTo(200);
    // Idle time refills, but never beyond the burst.
    expect(bucket.reserve(500, 10_000)).toBe(10_000);
    expect(bucket.reserve(1, 10_000)).toBeCloseTo(10_001);
  });

  it('refuses a rate of 0 and negative sizes', () => {
    expect(() => new TokenBucket(0, 10, 0)).toThrow(/rate/);
    expect(() => new TokenBucket(10, -1, 0)).toThrow(/burst/);
    expect(() => new TokenBucket(10, 1, 0).reserve(-1, 0)).toThrow(/bytes/);
  });

  it('never releases more than burst + rate x time, and delays a sender only when the bucket is short', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 500 })), {
          minLength: 1,
          maxLength: 60,
        }),
        (rate, burst, sends) => {
          const bucket = new TokenBucket(rate, burst, 0);
          let now = 0;
          let lastRelease = 0;
          const released: { at: number; bytes: number }[] = [];
          for (const [bytes, gap] of sends) {
            now += gap;
            const at = bucket.reserve(bytes, now);
            expect(at).toBeGreaterThanOrEqual(now);
            expect(at).toBeGreaterThanOrEqual(lastRelease); // first come, first served
            lastRelease = at;
            released.push({ at, bytes });
          }
          // By any release time t, what has been released fits in burst + rate x t (+ rounding).
          for (const { at } of released) {
            const sent = released.filter((r) => r.at <= at).reduce((s, r) => s + r.bytes, 0);
            expect(sent).toBeLessThanOrEqual(burst + (rate * at) / 1000 + 1e-6 * sent + 1);
          }
          // A send into a full bucket is not delayed.
          const fresh = new TokenBucket(rate, burst, 0);
          expect(fresh.reserve(Math.min(burst, sends[0]![0]), 0)).toBe(0);
        },
      ),
    );
  });
});
