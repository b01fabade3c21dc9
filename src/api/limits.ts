/**
 * Per-namespace limits (DECISIONS R11) as OpenWhisk's entitlement counts them, pure: no I/O, no HTTP.
 *
 * - Invocations and trigger fires per minute: RateThrottler's count per namespace in the current
 *   wall-clock minute (a fixed window, reset when the minute turns, although the message says "in
 *   the last minute"); every check charges one, refused ones included.
 * - Concurrent invocations: ActivationThrottler compares the activations this controller has in
 *   flight for the namespace with the limit; there must be room for the one asked for.
 * - A namespace's own `invocationsPerMinute`, `concurrentInvocations`, `firesPerMinute` (its
 *   `<namespace>/limits` document, UserLimits' field names) win over the defaults; each replica
 *   enforces calculateIndividualLimit of it. 0 blocks; there is no "unlimited" value.
 */

/** Messages.tooManyRequests (common/scala/.../http/ErrorResponse.scala). */
export const tooManyRequests = (count: number, allowed: number): string =>
  `Too many requests in the last minute (count: ${count}, allowed: ${allowed}).`;

/** Messages.tooManyConcurrentRequests. */
export const tooManyConcurrentRequests = (count: number, allowed: number): string =>
  `Too many concurrent requests in flight (count: ${count}, allowed: ${allowed}).`;

/**
 * EntitlementProvider.calculateIndividualLimit: the limit dilated by 1.2 (rounded up) when several
 * replicas share it, then integer-divided between them, at least 1; 0 stays 0 (blocks).
 */
export function individualLimit(limit: number, replicas: number): number {
  const dilated = Math.ceil(limit * (replicas > 1 ? 1.2 : 1));
  if (dilated === 0) return 0;
  return Math.max(1, Math.trunc(dilated / Math.max(1, replicas)));
}

/** The three limits the controller enforces, per namespace and minute or in flight. */
export interface ThrottleLimits {
  readonly invocationsPerMinute: number;
  readonly concurrentInvocations: number;
  readonly firesPerMinute: number;
}

export const throttleFields = ['invocationsPerMinute', 'concurrentInvocations', 'firesPerMinute'] as const;

const isScalaInt = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;

/**
 * The overrides a `<namespace>/limits` document holds. OpenWhisk reads the whole document as
 * UserLimits and falls back to no overrides at all when a field is not what it expects (an Int
 * here), so one malformed field drops the others too.
 */
export function namespaceOverrides(doc: Readonly<Record<string, unknown>>): Partial<ThrottleLimits> {
  const out: Partial<Record<(typeof throttleFields)[number], number>> = {};
  for (const field of throttleFields) {
    const value = doc[field];
    if (value === undefined || value === null) continue;
    if (!isScalaInt(value)) return {};
    out[field] = value;
  }
  return out;
}

/** The namespace's limits: its own where its document has them, the defaults otherwise. */
export function effectiveLimits(
  defaults: ThrottleLimits,
  doc: Readonly<Record<string, unknown>>,
): ThrottleLimits {
  return { ...defaults, ...namespaceOverrides(doc) };
}

export interface RateVerdict {
  readonly ok: boolean;
  /** Operations counted this minute, this one included (TimedRateLimit.count). */
  readonly count: number;
  readonly allowed: number;
}

/** ConcurrentRateLimit: `count` in flight leaves room for one more iff count < allowed. */
export function concurrentVerdict(count: number, allowed: number): RateVerdict {
  return { ok: count < allowed, count, allowed };
}

/** Namespaces tracked before stale minutes are swept (bounds memory under many namespaces). */
const sweepAbove = 10_000;

/** RateThrottler: one counter per key (namespace uuid) for the current wall-clock minute. */
export class MinuteRateThrottle {
  private readonly counts = new Map<string, { minute: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Charges `key` one operation and says whether it is within `allowed` (TimedRateLimit). */
  check(key: string, allowed: number): RateVerdict {
    const minute = Math.floor(this.now() / 60_000);
    let entry = this.counts.get(key);
    if (!entry || entry.minute !== minute) {
      if (!entry && this.counts.size >= sweepAbove) this.sweep(minute);
      entry = { minute, count: 0 };
      this.counts.set(key, entry);
    }
    entry.count++;
    return { ok: entry.count <= allowed, count: entry.count, allowed };
  }

  /** Keys with a counter (tests and the memory bound). */
  get size(): number {
    return this.counts.size;
  }

  private sweep(minute: number): void {
    for (const [key, entry] of this.counts) if (entry.minute !== minute) this.counts.delete(key);
  }
}
