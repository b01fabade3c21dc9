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

  it('a finishing activation (its result arrived) stops counting for balance but keeps its memory', () => {
    const tracker = new LoadTracker();
    tracker.upsert(0, 'healthy', 1024);
    tracker.acquire(0, 256);
    tracker.acquire(0, 256);
    tracker.finishing(0);
    expect(tracker.snapshot()[0]).toMatchObject({ inFlightMB: 512, inFlight: 1 });
    // Its completion gives the memory back without counting it a second time.
    tracker.release(0, 256, true);
    expect(tracker.snapshot()[0]).toMatchObject({ inFlightMB: 256, inFlight: 1 });
    tracker.release(0, 256);
    expect(tracker.snapshot()[0]).toMatchObject({ inFlightMB: 0, inFlight: 0 });
    tracker.finishing(0);
    tracker.finishing(7);
    expect(tracker.snapshot()[0]).toMatchObject({ inFlightMB: 0, inFlight: 0 });
  });

  it('keeps one view array until the invoker set changes, so reading it allocates nothing', () => {
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
    tracker.upsert(2, 'healthy', 1024);
    expect(tracker.view()).not.toBe(view);
    tracker.remove(0);
    expect(tracker.view().map((v) => v.id)).toEqual([1, 2]);
    const frozen = tracker.snapshot();
    tracker.acquire(1, 128);
    expect(frozen[0]!.inFlight).toBe(0);
  });

  it('tells listeners the member ids when the invoker set changes, and only then', () => {
    const tracker = new LoadTracker();
    const heard: number[][] = [];
    const unsubscribe = tracker.onMembersChanged((ids) => heard.push([...ids]));
    expect(heard).toEqual([[]]); // at once, so a late subscriber starts in step
    tracker.upsert(3, 'healthy', 1024);
    tracker.upsert(1, 'healthy', 1024);
    tracker.upsert(3, 'unhealthy', 2048); // status and capacity: not a membership change
    tracker.setStatus(1, 'offline');
    tracker.acquire(3, 256);
    tracker.release(3, 256);
    expect(tracker.remove(7)).toBe(false);
    tracker.remove(3);
    expect(heard).toEqual([[], [3], [1, 3], [1]]);
    unsubscribe();
    tracker.upsert(5, 'healthy', 1024);
    expect(heard).toHaveLength(4);
  });

  it('keeps a subscribed policy ready for its view: tables rebuilt on membership changes only', () => {
    const tracker = new LoadTracker();
    tracker.upsert(0, 'healthy', 1024);
    const policy = new ConsistentHashPolicy();
    tracker.onMembersChanged((ids) => policy.setMembers(ids));
    tracker.upsert(1, 'healthy', 1024);
    const request = { color: 'a', namespace: 'n', action: 'n/a', memoryMB: 128 };
    expect([0, 1]).toContain(policy.choose(request, tracker.view())!.invoker);
    tracker.acquire(0, 128);
    tracker.setStatus(1, 'unhealthy');
    expect(policy.choose(request, tracker.view())!.invoker).toBe(0);
    expect(policy.rebuilds).toBe(2); // [0] at subscription, then [0, 1]
    tracker.remove(0);
    expect(policy.rebuilds).toBe(3);
    expect(policy.choose(request, tracker.view())).toBeUndefined(); // 1 is unhealthy
  });

  it("splits an invoker's memory between controllers as OpenWhisk does, never below 128 MB", () => {
    expect(invokerSlotMB(2048)).toBe(2048);
    expect(invokerSlotMB(2048, 3)).toBe(682);
    expect(invokerSlotMB(256, 4)).toBe(128);
  });
});
