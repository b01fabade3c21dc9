/**
 * Trigger fires per minute (DECISIONS R11), as OpenWhisk's RateThrottler counts them: every fire
 * charges the caller's namespace one operation in the current wall-clock minute, and a count above
 * the allowed number is a 429 with OpenWhisk's message. The allowed number is the namespace's
 * `firesPerMinute` limit (subjects database) or the default, split between controller replicas.
 */
export const tooManyRequests = (count: number, allowed: number): string =>
  `Too many requests in the last minute (count: ${count}, allowed: ${allowed}).`;

/** R11's calculateIndividualLimit: 0 blocks; else x1.2 with several replicas, / replicas, at least 1. */
export function individualLimit(limit: number, replicas: number): number {
  if (limit <= 0) return 0;
  if (replicas <= 1) return limit;
  return Math.max(1, Math.floor((limit * 1.2) / replicas));
}

export interface RateVerdict {
  ok: boolean;
  /** Operations this minute, this one included. */
  count: number;
  allowed: number;
}

/** Namespaces tracked before stale minutes are swept (bounds memory under many namespaces). */
const sweepAbove = 10_000;

export class MinuteRateThrottle {
  private readonly counts = new Map<string, { minute: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

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

  private sweep(minute: number): void {
    for (const [key, entry] of this.counts) if (entry.minute !== minute) this.counts.delete(key);
  }
}
