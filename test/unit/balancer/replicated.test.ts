import { describe, expect, it } from 'vitest';
import { createPolicy, PinTable, ReplicatedPolicy } from '../../../src/balancer/index.js';
import type { InvokerView } from '../../../src/balancer/types.js';
import { colored, healthyView, range, withMembers } from './helpers.js';

/** Requests: `hot` takes `share` of them, the rest spread over 500 cold colors. */
function* stream(count: number, share: number, hot = 'hot'): Generator<string> {
  let acc = 0;
  for (let i = 0; i < count; i++) {
    acc += share;
    if (acc >= 1) {
      acc -= 1;
      yield hot;
    } else yield `cold${i % 500}`;
  }
}

describe('hot-color replication', () => {
  it('gives a color k homes growing with its rate, the first k of the order; it leaves the first only while that is loaded', () => {
    const view = healthyView(range(8));
    const policy = withMembers(createPolicy('consistent-hash', { replication: { max: 4 } }), view);
    const order = [...policy.order(colored('hot'))];
    const placed = new Set<number>();
    for (const color of stream(4000, 0.3)) {
      const d = policy.choose(colored(color), view)!;
      if (color === 'hot') placed.add(d.invoker);
    }
    const replicated = policy as ReplicatedPolicy;
    // 30% of requests on 8 invokers = 2.4 x the mean invoker's rate: ceil(2.4 / 1.25) = 2 homes.
    expect(replicated.replicas(colored('hot'))).toBe(2);
    expect(replicated.replicas(colored('cold1'))).toBe(1);
    expect(replicated.hotColors()).toBe(1);
    // All idle: the first home is not loaded, so the color stays there.
    expect(placed).toEqual(new Set([order[0]]));
    // The first home holds 3 (bound max(2, ceil(1.25 x 4 / 8)) = 2): the other home takes it.
    const busy: InvokerView[] = view.map((v) => (v.id === order[0] ? { ...v, inFlight: 3 } : v));
    expect(policy.choose(colored('hot'), busy)).toEqual({
      invoker: order[1],
      home: order[0],
      forced: false,
      spilled: false,
      reason: 'replica',
    });
    // Its own lagging call (1 in flight) is no load; two are within the floor.
    for (const inFlight of [1, 2]) {
      const lagging = view.map((v) => (v.id === order[0] ? { ...v, inFlight: inFlight - 1 } : v));
      expect(policy.choose(colored('hot'), lagging)!.invoker).toBe(order[0]);
    }
    // Loaded but no home less loaded: ties stay with the first home.
    const both = view.map((v) => (v.id === order[0] || v.id === order[1] ? { ...v, inFlight: 3 } : v));
    expect(policy.choose(colored('hot'), both)!.invoker).toBe(order[0]);
    // The first home full: the other home, whatever the loads.
    const full = view.map((v) => (v.id === order[0] ? { ...v, inFlightMB: v.capacityMB } : v));
    expect(policy.choose(colored('hot'), full)).toMatchObject({ invoker: order[1], reason: 'replica' });
  });

  it('caps k at PALETTE_REPLICATION_MAX and the member count', () => {
    const view = healthyView(range(16));
    const policy = withMembers(new ReplicatedPolicy(createPolicy('bucket-hash'), { max: 3 }), view);
    for (const color of stream(3000, 0.9)) policy.choose(colored(color), view);
    expect(policy.replicas(colored('hot'))).toBe(3);
    const two = healthyView(range(2));
    policy.setMembers(range(2));
    expect(policy.replicas(colored('hot'))).toBe(2);
    const home = [...policy.order(colored('hot'))][0]!;
    const loaded = two.map((v) => (v.id === home ? { ...v, inFlight: 4 } : v));
    expect(policy.choose(colored('hot'), loaded)!.reason).toBe('replica');
  });

  it('takes a pinned color’s first home from the pin', () => {
    const pins = new PinTable();
    pins.set('guest', 'hot', 5);
    const view = healthyView(range(8));
    const policy = withMembers(
      createPolicy('least-assigned', { pins, replication: { max: 4 } }),
      view,
    ) as ReplicatedPolicy;
    for (const color of stream(3000, 0.5)) policy.choose(colored(color), view);
    expect(policy.replicas(colored('hot'))).toBe(4);
    const order = [...policy.order(colored('hot'))];
    expect(order[0]).toBe(5);
    // Idle: the pin takes it (reason planned, from the pinned wrapper).
    expect(policy.choose(colored('hot'), view)).toMatchObject({ invoker: 5, reason: 'planned' });
    // The pin loaded: the requests fill the other three homes, least loaded first, never the pin.
    const loads = view.map((v) => (v.id === 5 ? { ...v, inFlight: 2 } : { ...v }));
    const picked = new Map<number, number>();
    for (let i = 0; i < 6; i++) {
      const d = policy.choose(colored('hot'), loads)!;
      expect(d).toMatchObject({ home: 5, reason: 'replica' });
      picked.set(d.invoker, (picked.get(d.invoker) ?? 0) + 1);
      const chosen = loads.find((v) => v.id === d.invoker)!;
      Object.assign(chosen, { inFlight: chosen.inFlight + 1 });
    }
    // Three homes besides the pin (least-assigned's order past the pin follows its counts, so
    // they are the order's as it was when the homes were taken, not necessarily today's).
    expect(picked.size).toBe(3);
    expect(picked.has(5)).toBe(false);
    expect([...picked.values()]).toEqual([2, 2, 2]);
  });

  it('does nothing below the threshold, before warm-up, for uncolored work, or for random policies', () => {
    const view = healthyView(range(4));
    const policy = withMembers(new ReplicatedPolicy(createPolicy('consistent-hash'), { max: 4 }), view);
    for (const color of stream(150, 0.9)) policy.choose(colored(color), view);
    expect(policy.replicas(colored('hot'))).toBe(1);
    for (const color of stream(3000, 0.2)) policy.choose(colored(color), view);
    // 20% on 4 invokers = 0.8 x the mean: not hot.
    expect(policy.replicas(colored('hot'))).toBe(1);
    expect(createPolicy('random', { replication: { max: 4 } })).not.toBeInstanceOf(ReplicatedPolicy);
    expect(() => new ReplicatedPolicy(createPolicy('random'), { max: 0 })).toThrow(RangeError);
  });

  it('forgets a color that cooled down', () => {
    const view = healthyView(range(8));
    const policy = withMembers(
      new ReplicatedPolicy(createPolicy('consistent-hash'), { max: 4, window: 512 }),
      view,
    );
    for (const color of stream(2000, 0.5)) policy.choose(colored(color), view);
    expect(policy.replicas(colored('hot'))).toBeGreaterThan(1);
    for (const color of stream(6000, 0.5, 'other')) policy.choose(colored(color), view);
    expect(policy.replicas(colored('hot'))).toBe(1);
  });
});
