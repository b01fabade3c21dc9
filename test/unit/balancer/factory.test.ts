import { describe, expect, it } from 'vitest';
import { ColorTable, createPolicy, isPolicyName, policyNames } from '../../../src/balancer/index.js';
import { BoundedLoadsPolicy } from '../../../src/balancer/policies/bounded-loads.js';
import { colored, healthyView, range, withMembers } from './helpers.js';

describe('createPolicy', () => {
  it('builds every configured name', () => {
    for (const name of policyNames) expect(createPolicy(name).name).toBe(name);
    expect(isPolicyName('consistent-hash')).toBe(true);
    expect(isPolicyName('maglev')).toBe(false);
  });

  it('wraps the hashing policies in bounded loads when a factor is given', () => {
    for (const name of ['consistent-hash', 'bucket-hash', 'least-assigned'] as const) {
      expect(createPolicy(name, { boundFactor: 1.25 })).toBeInstanceOf(BoundedLoadsPolicy);
      expect(createPolicy(name, { boundFactor: 0 })).not.toBeInstanceOf(BoundedLoadsPolicy);
    }
    for (const name of ['random', 'round-robin', 'openwhisk-sharding'] as const) {
      expect(createPolicy(name, { boundFactor: 1.25 })).not.toBeInstanceOf(BoundedLoadsPolicy);
    }
    expect(() => createPolicy('consistent-hash', { boundFactor: 0.5 })).toThrow(RangeError);
  });

  it('hands the least-assigned policy the shared table', () => {
    const colorTable = new ColorTable();
    const view = healthyView(range(3));
    const policy = withMembers(createPolicy('least-assigned', { colorTable, boundFactor: 1.25 }), view);
    const decision = policy.choose(colored('u1'), view)!;
    expect(colorTable.get('u1')).toBe(decision.invoker);
  });

  it('round-robin cycles over the healthy invokers with room', () => {
    const view = healthyView(range(4), 1024).map((v) =>
      v.id === 2 ? { ...v, status: 'offline' as const } : v,
    );
    const policy = withMembers(createPolicy('round-robin'), view);
    const picks = range(8).map(() => policy.choose(colored('x'), view)!.invoker);
    expect(picks).toEqual([0, 1, 3, 0, 1, 3, 0, 1]);
  });

  it('random spreads evenly over the healthy invokers with room', () => {
    let state = 1;
    const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
    const view = healthyView(range(5), 1024).map((v) => (v.id === 4 ? { ...v, inFlightMB: 1024 } : v));
    const policy = withMembers(createPolicy('random', { random }), view);
    const counts = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const id = policy.choose(colored('x'), view)!.invoker;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const n of counts.values()) expect(Math.abs(n / 20_000 - 0.25)).toBeLessThan(0.02);
  });
});
