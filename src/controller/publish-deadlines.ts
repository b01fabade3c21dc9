/**
 * Publish deadlines shared by window. Each invoke's publish must fail fast when the broker does not
 * take it (C), but an AbortController per publish costs about 3 µs in Node 20 (creating its signal)
 * and a timer per publish about 1 µs more: a measurable share of an invoke. Publishes started in the
 * same window (at most 100 ms) share one AbortSignal and one timer, which fires when the window's
 * last publish is `timeoutMs` old: a publish gives up after `timeoutMs` and at most one window more.
 */
import { setMaxListeners } from 'node:events';
import type { Cancel, Clock } from './clock.js';

class DeadlineWindow {
  readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  /** Rejections of publishes not yet settled. */
  readonly waiting = new Set<(error: Error) => void>();
  cancel: Cancel | undefined;
  constructor(readonly closesAt: number) {
    setMaxListeners(0, this.signal); // one listener per queued send is expected, not a leak
  }
}

export class PublishDeadlines {
  private current: DeadlineWindow | undefined;
  private readonly windowMs: number;
  private readonly open = new Set<DeadlineWindow>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly timeoutError: () => Error,
  ) {
    this.windowMs = Math.max(1, Math.min(100, Math.floor(timeoutMs / 10)));
  }

  /**
   * Runs `send` with the window's signal; rejects with `timeoutError()` once the deadline passes,
   * aborting the signal so that a send still queued is withdrawn.
   */
  run(send: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const window = this.windowFor(this.clock.now());
    return new Promise<void>((resolve, reject) => {
      window.waiting.add(reject);
      send(window.signal).then(
        () => {
          this.settled(window, reject);
          resolve();
        },
        (error: unknown) => {
          this.settled(window, reject);
          reject(error);
        },
      );
    });
  }

  /** Stops every timer (the controller is closing); publishes still waiting are left to the bus. */
  clear(): void {
    for (const window of this.open) window.cancel?.();
    this.open.clear();
    this.current = undefined;
  }

  private windowFor(now: number): DeadlineWindow {
    const current = this.current;
    if (current && now < current.closesAt) return current;
    const window = new DeadlineWindow(now + this.windowMs);
    // `every`, cancelled at its first run: an unreferenced timer, so an idle window never holds the
    // process open (a publish in flight has the bus's socket for that).
    window.cancel = this.clock.every(this.windowMs + this.timeoutMs, () => {
      window.cancel?.();
      this.expire(window);
    });
    this.open.add(window);
    this.current = window;
    if (current && current.waiting.size === 0) this.retire(current);
    return window;
  }

  private settled(window: DeadlineWindow, reject: (error: Error) => void): void {
    window.waiting.delete(reject);
    if (window.waiting.size === 0 && window !== this.current) this.retire(window);
  }

  private expire(window: DeadlineWindow): void {
    this.open.delete(window);
    if (this.current === window) this.current = undefined;
    if (window.waiting.size === 0) return;
    const error = this.timeoutError();
    window.controller.abort(error);
    for (const reject of window.waiting) reject(error);
    window.waiting.clear();
  }

  private retire(window: DeadlineWindow): void {
    window.cancel?.();
    this.open.delete(window);
  }
}
