/**
 * Time as a port. The controller core reads `now()` and nothing else; the shell around it also
 * schedules (the health tick, a blocking caller's wait, the shrunk-result polls). Tests hand in a
 * manual clock and move time by hand, so forced completion and "gone for good" run in microseconds.
 */

/** Stops a scheduled callback; calling it twice is harmless. */
export type Cancel = () => void;

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `fn` once after `ms` (a caller is waiting on it, so it keeps the process alive). */
  after(ms: number, fn: () => void): Cancel;
  /** Runs `fn` every `ms`; a background chore, so it never keeps the process alive. */
  every(ms: number, fn: () => void): Cancel;
  /** Resolves after `ms`. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
