/**
 * A clock that moves only when a test says so. `advance(ms)` runs every timer that falls due, in
 * time order, letting promise callbacks and the in-process bus's deliveries run after each one.
 */
import type { Cancel, Clock } from '../../src/controller/clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  every?: number;
}

/** Lets pending promise callbacks and setImmediate-scheduled work (LeanBus deliveries) run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<Timer>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Cancel {
    return this.schedule({ at: this.time + Math.max(0, ms), seq: this.seq++, fn });
  }

  every(ms: number, fn: () => void): Cancel {
    return this.schedule({ at: this.time + ms, seq: this.seq++, fn, every: ms });
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Timers not yet run (periodic ones count once). */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, running each due timer at its own time. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      let next: Timer | undefined;
      for (const timer of this.timers) {
        if (
          timer.at <= target &&
          (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
        )
          next = timer;
      }
      if (!next) break;
      this.time = next.at;
      if (next.every !== undefined) {
        next.at += next.every;
        next.seq = this.seq++;
      } else {
        this.timers.delete(next);
      }
      next.fn();
      await settle();
    }
    this.time = target;
    await settle();
  }

  private schedule(timer: Timer): Cancel {
    this.timers.add(timer);
    return () => {
      this.timers.delete(timer);
    };
  }
}
