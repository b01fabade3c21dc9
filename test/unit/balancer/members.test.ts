/**
 * The Policy contract (src/balancer/types.ts): membership arrives through `setMembers`, `choose`
 * reads a view of exactly the members ascending by id and refuses one that cannot be, and `order`
 * is the preference order `choose` follows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../../src/balancer/index.js';
import { policyNames, type Policy, type PolicyName } from '../../../src/balancer/types.js';
import { colored, colorNames, healthyView, invokerIds, range, seeded, withMembers } from './helpers.js';

const variants: [string, (name: PolicyName) => Policy][] = [
  ['plain', (name) => createPolicy(name, { random: seeded(7) })],
  ['bounded 1.25', (name) => createPolicy(name, { random: seeded(7), boundFactor: 1.25 })],
];
const hashing = ['consistent-hash', 'bucket-hash', 'least-assigned'] as const;
const COLORS = colorNames(2000);

describe.each(variants)('policy contract (%s)', (_variant, make) => {
  it.each(policyNames.map((n) => [n]))('%s: order lists every member exactly once', (name) => {
    fc.assert(
      fc.property(invokerIds(1, 40), (ids) => {
        const policy = make(name);
        policy.setMembers([...ids].reverse());
        for (const color of COLORS.slice(0, 20)) {
          expect([...policy.order(colored(color))].sort((a, b) => a - b)).toEqual(ids);
        }
      }),
      { numRuns: 20 },
    );
    expect([...make(name).order(colored('x'))]).toEqual([]);
  });

  it.each(hashing.map((n) => [n]))(
    "%s: order starts with the decision's home, and choose follows it past blocked invokers",
    (name) => {
      const view = healthyView(range(12), 1024);
      const policy = withMembers(make(name), view);
      for (const color of COLORS.slice(0, 300)) {
        const before = [...policy.order(colored(color))];
        const decision = policy.choose(colored(color), view)!;
        const order = [...policy.order(colored(color))];
        // Asking for the order assigns nothing, yet names the home choose then gives a new color.
        expect(before).toEqual(order);
        expect(decision).toEqual({ invoker: order[0], home: order[0], forced: false, spilled: false });
        // The home and the next in order full: the third takes it (every load stays under the bound).
        const blocked = view.map((v) =>
          v.id === order[0] || v.id === order[1] ? { ...v, inFlightMB: 1024 } : v,
        );
        expect(policy.choose(colored(color), blocked)).toEqual({
          invoker: order[2],
          home: order[0],
          forced: false,
          spilled: true,
        });
      }
    },
  );

  it.each(policyNames.map((n) => [n]))('%s: refuses a view that does not list the members', (name) => {
    const policy = make(name);
    expect(() => policy.choose(colored('a'), healthyView(range(3)))).toThrow(/setMembers/);
    policy.setMembers(range(4));
    expect(() => policy.choose(colored('a'), healthyView(range(5)))).toThrow(RangeError);
    expect(() => policy.choose(colored('a'), healthyView(range(3)))).toThrow(/call setMembers/);
    expect(() => policy.choose(colored('a'), [])).toThrow(RangeError);
    expect(policy.choose(colored('a'), healthyView(range(4)))).toBeDefined();
    policy.setMembers([]);
    expect(policy.choose(colored('a'), [])).toBeUndefined();
  });

  it.each(hashing.map((n) => [n]))('%s: refuses a view of the right length with other invokers', (name) => {
    const policy = make(name);
    policy.setMembers([0, 1, 2]);
    for (const color of COLORS.slice(0, 20)) {
      expect(() => policy.choose(colored(color), healthyView([1, 2, 3]))).toThrow(/not at its place/);
    }
  });

  it.each(policyNames.map((n) => [n]))('%s: setMembers rejects duplicates and bad ids', (name) => {
    const policy = make(name);
    expect(() => policy.setMembers([1, 2, 1])).toThrow(/twice/);
    expect(() => policy.setMembers([-1])).toThrow(RangeError);
    expect(() => policy.setMembers([1.5])).toThrow(RangeError);
  });
});

describe('a membership change through setMembers moves exactly what it should', () => {
  const ids = range(10);
  const view = (members: readonly number[]) => healthyView(members);
  const placeAll = (policy: Policy, members: readonly number[]) => {
    policy.setMembers(members);
    return COLORS.map((c) => policy.choose(colored(c), view(members))!.invoker);
  };

  it.each(['consistent-hash', 'bucket-hash'] as const)(
    '%s: a joining invoker takes colors only for itself; a leaving one gives up only its own',
    (name) => {
      const policy = createPolicy(name);
      const before = placeAll(policy, ids);
      const grown = placeAll(policy, [...ids, 10]);
      grown.forEach((now, i) => {
        if (now !== before[i]) expect(now).toBe(10);
      });
      expect(grown.filter((id) => id === 10).length).toBeGreaterThan(0);
      const shrunk = placeAll(
        policy,
        [...ids, 10].filter((id) => id !== 4),
      );
      shrunk.forEach((now, i) => {
        if (grown[i] !== 4) expect(now).toBe(grown[i]);
        else expect(now).not.toBe(4);
      });
    },
  );

  it('least-assigned: a joining invoker moves no color; a leaving one only its own', () => {
    const policy = createPolicy('least-assigned');
    const before = placeAll(policy, ids);
    expect(placeAll(policy, [...ids, 10])).toEqual(before);
    const shrunk = placeAll(
      policy,
      [...ids, 10].filter((id) => id !== 4),
    );
    shrunk.forEach((now, i) => {
      if (before[i] !== 4) expect(now).toBe(before[i]);
      else expect(now).not.toBe(4);
    });
  });

  it('round-robin: order is the turn, and asking for it does not take the turn', () => {
    const policy = withMembers(createPolicy('round-robin'), view(range(4)));
    for (let i = 0; i < 6; i++) {
      const order = [...policy.order(colored('x'))];
      expect(order).toEqual([...range(4).slice(i % 4), ...range(4).slice(0, i % 4)]);
      expect(policy.choose(colored('x'), view(range(4)))!.invoker).toBe(order[0]);
    }
  });

  it('openwhisk-sharding: order is the probe order over the managed invokers, placeholders left out', () => {
    const request = { namespace: 'guest', action: 'guest/hello', memoryMB: 256 };
    const policy = createPolicy('openwhisk-sharding');
    policy.setMembers(range(8));
    const order = [...policy.order(request)];
    expect(policy.choose(request, view(range(8)))!.home).toBe(order[0]);
    // Same largest id, so the same vector length and probe order; the missing ids are placeholders.
    policy.setMembers([0, 3, 5, 7]);
    expect([...policy.order(request)]).toEqual(order.filter((id) => [0, 3, 5, 7].includes(id)));
  });
});
