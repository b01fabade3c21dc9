import { describe, expect, it } from 'vitest';
import { PublishDeadlines } from '../../../src/controller/publish-deadlines.js';
import { ManualClock, settle } from '../../support/manual-clock.js';

class Timeout extends Error {}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('PublishDeadlines', () => {
  it('publishes of one window share a signal; a window that settles aborts nothing', async () => {
    const clock = new ManualClock();
    const deadlines = new PublishDeadlines(clock, 5_000, () => new Timeout());
    const signals: AbortSignal[] = [];
    await deadlines.run(async (signal) => void signals.push(signal));
    await clock.advance(10);
    await deadlines.run(async (signal) => void signals.push(signal));
    expect(signals[0]).toBe(signals[1]);
    await clock.advance(200);
    await deadlines.run(async (signal) => void signals.push(signal));
    expect(signals[2]).not.toBe(signals[0]);
    await clock.advance(10_000);
    expect(signals.every((s) => !s.aborted)).toBe(true);
    deadlines.clear();
  });

  it('a publish the bus never takes fails after the timeout (and at most one window), its signal aborted', async () => {
    const clock = new ManualClock();
    const deadlines = new PublishDeadlines(clock, 5_000, () => new Timeout());
    let signal: AbortSignal | undefined;
    const stuck = deadlines.run((s) => {
      signal = s;
      return new Promise(() => {});
    });
    let failed: unknown;
    stuck.catch((e: unknown) => (failed = e));
    await clock.advance(4_999);
    await settle();
    expect(failed).toBeUndefined();
    await clock.advance(101);
    await settle();
    expect(failed).toBeInstanceOf(Timeout);
    expect(signal?.aborted).toBe(true);
  });

  it('a publish that settles keeps its result even when a neighbour in its window times out', async () => {
    const clock = new ManualClock();
    const deadlines = new PublishDeadlines(clock, 1_000, () => new Timeout());
    const slow = deferred();
    const fast = deadlines.run(() => Promise.resolve());
    const stuck = deadlines.run(() => slow.promise);
    stuck.catch(() => {});
    await expect(fast).resolves.toBeUndefined();
    await clock.advance(2_000);
    await expect(stuck).rejects.toBeInstanceOf(Timeout);
    slow.resolve();
  });

  it('a bus error is passed on as is', async () => {
    const clock = new ManualClock();
    const deadlines = new PublishDeadlines(clock, 1_000, () => new Timeout());
    await expect(deadlines.run(() => Promise.reject(new Error('broker says no')))).rejects.toThrow(
      'broker says no',
    );
    deadlines.clear();
  });
});
