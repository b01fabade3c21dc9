/**
 * Limits (R11), pure: OpenWhisk's per-minute count (RateThrottler), its concurrent verdict
 * (ActivationThrottler), calculateIndividualLimit, the namespace's overrides and the 429 messages.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  concurrentVerdict,
  effectiveLimits,
  individualLimit,
  MinuteRateThrottle,
  namespaceOverrides,
  tooManyConcurrentRequests,
  tooManyRequests,
} from '../../../src/api/limits.js';

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

  it('counts by wall-clock minute, as OpenWhisk: the count resets when the minute turns, not 60 s later', () => {
    let now = 60_000 * 7 + 59_999;
    const throttle = new MinuteRateThrottle(() => now);
    expect(throttle.check('ns', 1).ok).toBe(true);
    now += 1; // the next minute, 1 ms later
    expect(throttle.check('ns', 1)).toEqual({ ok: true, count: 1, allowed: 1 });
  });

  it('blocks everything at 0', () => {
    expect(new MinuteRateThrottle(() => 0).check('ns', 0)).toEqual({ ok: false, count: 1, allowed: 0 });
  });

  it('counts exactly: within one minute the k-th operation is allowed iff k <= allowed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 80 }), (allowed, ops) => {
        const throttle = new MinuteRateThrottle(() => 1_000);
        for (let k = 1; k <= ops; k++) expect(throttle.check('ns', allowed).ok).toBe(k <= allowed);
      }),
    );
  });

  it('agrees with a model: per key, the count of checks in the same minute, refused ones included', () => {
    const op = fc.record({
      key: fc.constantFrom('a', 'b', 'c'),
      advanceMs: fc.integer({ min: 0, max: 45_000 }),
      allowed: fc.integer({ min: 0, max: 6 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.array(op, { maxLength: 120 }), (start, ops) => {
        let now = start;
        const throttle = new MinuteRateThrottle(() => now);
        const model = new Map<string, { minute: number; count: number }>();
        for (const { key, advanceMs, allowed } of ops) {
          now += advanceMs;
          const minute = Math.floor(now / 60_000);
          const seen = model.get(key);
          const count = seen && seen.minute === minute ? seen.count + 1 : 1;
          model.set(key, { minute, count });
          expect(throttle.check(key, allowed)).toEqual({ ok: count <= allowed, count, allowed });
        }
      }),
    );
  });

  it('forgets stale minutes once many namespaces are tracked (memory stays bounded)', () => {
    let now = 0;
    const throttle = new MinuteRateThrottle(() => now);
    for (let i = 0; i < 10_000; i++) throttle.check(`ns${i}`, 1);
    now = 60_000;
    throttle.check('fresh', 1);
    expect(throttle.size).toBe(1);
  });
});

/** EntitlementProvider.calculateIndividualLimit, transcribed: dilate (ceil), divide (Int), at least 1. */
function openWhiskIndividual(limit: number, clusterSize: number): number {
  const dilated = Math.ceil(limit * (clusterSize > 1 ? 1.2 : 1));
  return dilated === 0 ? 0 : Math.max(1, Math.trunc(dilated / clusterSize));
}

describe('individualLimit (calculateIndividualLimit)', () => {
  it("keeps one replica's limit, dilates 1.2x and splits between replicas, at least 1, 0 blocks", () => {
    expect(individualLimit(60, 1)).toBe(60);
    expect(individualLimit(60, 3)).toBe(24);
    // ceil(3 x 1.2) = 4, split 2 ways: 2 (a floor of 3.6 / 2 would give 1).
    expect(individualLimit(3, 2)).toBe(2);
    expect(individualLimit(1, 5)).toBe(1);
    expect(individualLimit(0, 3)).toBe(0);
    expect(individualLimit(0, 1)).toBe(0);
  });

  it('equals the transcription for every limit and replica count', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 10_000_000 }), fc.integer({ min: 1, max: 64 }), (l, r) => {
        expect(individualLimit(l, r)).toBe(openWhiskIndividual(l, r));
      }),
    );
  });

  it('is 0 only for 0, otherwise at least 1; never above the dilated limit; monotone in the limit', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.integer({ min: 1, max: 64 }), (limit, replicas) => {
        const share = individualLimit(limit, replicas);
        expect(share === 0).toBe(limit === 0);
        if (limit > 0) expect(share).toBeGreaterThanOrEqual(1);
        expect(share).toBeLessThanOrEqual(Math.max(1, Math.ceil(limit * 1.2)));
        if (replicas === 1) expect(share).toBe(limit);
        expect(individualLimit(limit + 1, replicas)).toBeGreaterThanOrEqual(share);
      }),
    );
  });
});

describe('a namespace document', () => {
  const defaults = { invocationsPerMinute: 600_000, concurrentInvocations: 10_000, firesPerMinute: 60_000 };

  it("overrides the defaults field by field with OpenWhisk's names", () => {
    expect(effectiveLimits(defaults, { invocationsPerMinute: 3, namespace: 'x', uuid: 'u' })).toEqual({
      ...defaults,
      invocationsPerMinute: 3,
    });
    expect(effectiveLimits(defaults, { concurrentInvocations: 0, firesPerMinute: 0 })).toEqual({
      ...defaults,
      concurrentInvocations: 0,
      firesPerMinute: 0,
    });
    expect(effectiveLimits(defaults, {})).toEqual(defaults);
  });

  it('with a field that is no Int overrides nothing (UserLimits does not parse)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('invocationsPerMinute', 'concurrentInvocations', 'firesPerMinute'),
        fc.oneof(fc.string(), fc.double({ noInteger: true }), fc.boolean(), fc.constant(2 ** 31)),
        (field, bad) => {
          expect(namespaceOverrides({ invocationsPerMinute: 3, [field]: bad })).toEqual({});
        },
      ),
    );
  });

  it('with Int fields overrides exactly those', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            invocationsPerMinute: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
            concurrentInvocations: fc.nat(),
            firesPerMinute: fc.nat(),
          },
          { requiredKeys: [] },
        ),
        (doc) => {
          expect(namespaceOverrides({ ...doc, other: 'kept out' })).toEqual(doc);
        },
      ),
    );
  });
});

describe('verdicts and messages', () => {
  it('leaves room for one more while fewer than allowed are in flight; 0 blocks', () => {
    expect(concurrentVerdict(0, 1)).toEqual({ ok: true, count: 0, allowed: 1 });
    expect(concurrentVerdict(1, 1)).toEqual({ ok: false, count: 1, allowed: 1 });
    expect(concurrentVerdict(0, 0).ok).toBe(false);
  });

  it("has OpenWhisk's messages", () => {
    expect(tooManyRequests(61, 60)).toBe('Too many requests in the last minute (count: 61, allowed: 60).');
    expect(tooManyConcurrentRequests(1, 1)).toBe(
      'Too many concurrent requests in flight (count: 1, allowed: 1).',
    );
  });
});
