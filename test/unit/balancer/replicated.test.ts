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
  it('gives a color k homes growing with its rate, the first k of the order, and picks the least loaded', () => {
    const view = healthyView(range(8));
    const policy = withMembers(createPolicy('consistent-hash', { replication: { max: 4 } }), view);
    const order = [...policy.order(colored('hot'))];
    const seen = new Map<number, number>();
    for (const color of stream(4000, 0.3)) {
      const d = policy.choose(colored(color), view)!;
      if (color === 'hot' && d.reason === 'replica') seen.set(d.invoker, (seen.get(d.invoker) ?? 0) + 1);
    }
    const replicated = policy as ReplicatedPolicy;
    // 30% of requests on 8 invokers = 2.4 x the mean invoker's rate: ceil(2.4 / 1.25) = 2 homes.
    expect(replicated.replicas(colored('hot'))).toBe(2);
    expect(replicated.replicas(colored('cold1'))).toBe(1);
    expect(replicated.hotColors()).toBe(1);
    // All idle: every home ties, so the color's requests take its two homes in turn.
    expect(new Set(seen.keys())).toEqual(new Set(order.slice(0, 2)));
    const [a, b] = [...seen.values()];
    expect(Math.abs(a! - b!)).toBeLessThanOrEqual(1);
    const busy: InvokerView[] = view.map((v) => (v.id === order[0] ? { ...v, inFlight: 3 } : v));
    expect(policy.choose(colored('hot'), busy)).toEqual({
      invoker: order[1],
      home: order[0],
      forced: false,
      spilled: false,
      reason: 'replica',
    });
  });

  it('caps k at PALETTE_REPLICATION_MAX and the member count', () => {
    const view = healthyView(range(16));
    const policy = withMembers(new ReplicatedPolicy(createPolicy('bucket-hash'), { max: 3 }), view);
    for (const color of stream(3000, 0.9)) policy.choose(colored(color), view);
    expect(policy.replicas(colored('hot'))).toBe(3);
    const two = healthyView(range(2));
    policy.setMembers(range(2));
    expect(policy.replicas(colored('hot'))).toBe(2);
    expect(policy.choose(colored('hot'), two)!.reason).toBe('replica');
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
    const picked = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const d = policy.choose(colored('hot'), view)!;
      expect(d).toMatchObject({ home: 5, reason: 'replica' });
      picked.add(d.invoker);
    }
    // Four distinct homes, the pin among them (least-assigned's order past the pin follows its
    // counts, so the other three are the order's as it was when the homes were taken).
    expect(picked.size).toBe(4);
    expect(picked.has(5)).toBe(true);
    const busy = view.map((v) => (v.id === 5 ? { ...v, inFlight: 2 } : v));
    for (let i = 0; i < 4; i++) expect(policy.choose(colored('hot'), busy)!.invoker).not.toBe(5);
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
