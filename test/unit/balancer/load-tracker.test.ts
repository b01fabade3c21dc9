import { describe, expect, it } from 'vitest';
import { invokerSlotMB, LoadTracker } from '../../../src/balancer/load-tracker.js';
import { ConsistentHashPolicy } from '../../../src/balancer/policies/consistent-hash.js';

describe('LoadTracker', () => {
  it('accounts in-flight activations per invoker', () => {
    const tracker = new LoadTracker();
    tracker.upsert(1, 'healthy', 1024);
    tracker.upsert(0, 'healthy', 512);
    tracker.acquire(1, 256);
    tracker.acquire(1, 128);
    tracker.release(1, 256);
    tracker.release(0, 256);
    tracker.release(7, 256);
    expect(tracker.snapshot()).toEqual([
      { id: 0, status: 'healthy', capacityMB: 512, inFlightMB: 0, inFlight: 0 },
      { id: 1, status: 'healthy', capacityMB: 1024, inFlightMB: 128, inFlight: 1 },
    ]);
    expect(() => tracker.acquire(9, 128)).toThrow(/not tracked/);
  });

  it('keeps one view array until the invoker set changes, so policies keep their tables', () => {
    const tracker = new LoadTracker();
    tracker.upsert(0, 'healthy', 1024);
    tracker.upsert(1, 'healthy', 1024);
    const view = tracker.view();
    tracker.acquire(0, 256);
    tracker.setStatus(1, 'unhealthy');
    tracker.upsert(0, 'healthy', 2048);
    expect(tracker.view()).toBe(view);
    expect(view[0]).toMatchObject({ inFlightMB: 256, capacityMB: 2048 });
    expect(view[1]!.status).toBe('unhealthy');
    const policy = new ConsistentHashPolicy();
    policy.choose({ color: 'a', namespace: 'n', action: 'n/a', memoryMB: 128 }, tracker.view());
    policy.choose({ color: 'b', namespace: 'n', action: 'n/a', memoryMB: 128 }, tracker.view());
    expect(policy.rebuilds).toBe(1);
    tracker.upsert(2, 'healthy', 1024);
    expect(tracker.view()).not.toBe(view);
    tracker.remove(0);
    expect(tracker.view().map((v) => v.id)).toEqual([1, 2]);
    const frozen = tracker.snapshot();
    tracker.acquire(1, 128);
    expect(frozen[0]!.inFlight).toBe(0);
  });

  it("splits an invoker's memory between controllers as OpenWhisk does, never below 128 MB", () => {
    expect(invokerSlotMB(2048)).toBe(2048);
    expect(invokerSlotMB(2048, 3)).toBe(682);
    expect(invokerSlotMB(256, 4)).toBe(128);
  });
});
