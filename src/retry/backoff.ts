/**
 * The pause between tries of every retry loop in the project (broker subscriptions, CouchDB
 * writers and feeds, start-up connections): doubling from a first pause up to a ceiling, reset by
 * a success. One definition, so every loop backs off the same way and a test can read the series.
 */

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface BackoffOptions {
  /** The first pause, in ms. */
  readonly firstMs: number;
  /** No pause is longer than this, in ms. */
  readonly maxMs: number;
}

/** Doubling pauses: `next()` gives firstMs, 2·firstMs, … up to maxMs; `reset()` starts over. */
export class Backoff {
  private current: number;

  constructor(private readonly options: BackoffOptions) {
    if (!(options.firstMs > 0) || !(options.maxMs >= options.firstMs))
      throw new RangeError(`backoff needs 0 < firstMs <= maxMs, got ${options.firstMs} and ${options.maxMs}`);
    this.current = options.firstMs;
  }

  /** The pause before the next try; each call doubles the one after it, up to the ceiling. */
  next(): number {
    const pause = this.current;
    this.current = Math.min(this.current * 2, this.options.maxMs);
    return pause;
  }

  /** After a success: the next failure pauses firstMs again. */
  reset(): void {
    this.current = this.options.firstMs;
  }

  /** Waits the next pause (see `next`). */
  wait(): Promise<void> {
    return sleep(this.next());
  }
}

/** The pause before try `attempt` (0-based) of a loop that counts its tries: firstMs·2^attempt, capped. */
export function backoffPause(attempt: number, options: BackoffOptions): number {
  return Math.min(options.maxMs, options.firstMs * 2 ** Math.min(Math.max(0, attempt), 30));
}
