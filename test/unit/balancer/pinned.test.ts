import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPolicy, PinTable, type PolicyName } from '../../../src/balancer/index.js';
import type { InvokerView } from '../../../src/balancer/types.js';
import { colored, healthyView, invokerIds, range, seeded, withMembers } from './helpers.js';

const everyPolicy: PolicyName[] = [
  'random',
  'round-robin',
  'openwhisk-sharding',
  'consistent-hash',
  'bucket-hash',
  'least-assigned',
];

describe('pinned colors (R8)', () => {
  it('go to their pin under every color policy, with reason planned', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...everyPolicy),
        invokerIds(2, 24),
        fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 20 }),
        fc.nat(),
        (name, ids, colors, seed) => {
          const pins = new PinTable();
          const random = seeded(seed);
          colors.forEach((c) => pins.set('guest', c, ids[Math.floor(random() * ids.length)]!));
          const view = healthyView(ids);
          const policy = withMembers(createPolicy(name, { pins, boundFactor: 1.25, random }), view);
          for (const c of colors) {
            const d = policy.choose(colored(c), view)!;
            expect(d).toEqual({
              invoker: pins.pinned('guest', c),
              home: pins.pinned('guest', c),
              forced: false,
              spilled: false,
              reason: 'planned',
            });
            expect([...policy.order(colored(c))][0]).toBe(pins.pinned('guest', c));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('are per namespace: the same color in another namespace follows the policy', () => {
    const pins = new PinTable();
    const view = healthyView(range(8));
    const plain = withMembers(createPolicy('consistent-hash'), view);
    const policy = withMembers(createPolicy('consistent-hash', { pins }), view);
    const home = plain.choose(colored('alice'), view)!.invoker;
    pins.set('other', 'alice', (home + 1) % 8);
    expect(policy.choose(colored('alice'), view)).toEqual(plain.choose(colored('alice'), view));
    pins.set('guest', 'alice', (home + 1) % 8);
    expect(policy.choose(colored('alice'), view)!.invoker).toBe((home + 1) % 8);
  });

  it('follow the policy when the pinned invoker is gone, and spill from the pin when it is full or unhealthy', () => {
    const pins = new PinTable();
    pins.set('guest', 'bob', 42);
    const view = healthyView(range(6));
    const plain = withMembers(createPolicy('bucket-hash'), view);
    const policy = withMembers(createPolicy('bucket-hash', { pins }), view);
    expect(policy.choose(colored('bob'), view)).toEqual(plain.choose(colored('bob'), view));
    expect([...policy.order(colored('bob'))]).toEqual([...plain.order(colored('bob'))]);

    pins.set('guest', 'bob', 3);
    const full: InvokerView[] = view.map((v) => (v.id === 3 ? { ...v, inFlightMB: v.capacityMB } : v));
    const spilled = policy.choose(colored('bob'), full)!;
    expect(spilled.invoker).not.toBe(3);
    expect(spilled).toMatchObject({ home: 3, spilled: true, reason: 'planned' });
    const sick: InvokerView[] = view.map((v) => (v.id === 3 ? { ...v, status: 'unhealthy' } : v));
    expect(policy.choose(colored('bob'), sick)).toMatchObject({ home: 3, spilled: true });
  });

  it('respect the bounded-loads bound', () => {
    const pins = new PinTable();
    pins.set('guest', 'carol', 0);
    const view: InvokerView[] = healthyView(range(4)).map((v) => (v.id === 0 ? { ...v, inFlight: 10 } : v));
    const policy = withMembers(createPolicy('consistent-hash', { pins, boundFactor: 1.25 }), view);
    expect(policy.choose(colored('carol'), view)).toMatchObject({ home: 0, spilled: true });
    const unbounded = withMembers(createPolicy('consistent-hash', { pins }), view);
    expect(unbounded.choose(colored('carol'), view)).toMatchObject({ invoker: 0, spilled: false });
  });

  it('leave uncolored requests and an empty table to the policy', () => {
    const pins = new PinTable();
    const view = healthyView(range(5));
    const plain = withMembers(createPolicy('openwhisk-sharding', { random: seeded(1) }), view);
    const policy = withMembers(createPolicy('openwhisk-sharding', { pins, random: seeded(1) }), view);
    const uncolored = { namespace: 'guest', action: 'guest/a', memoryMB: 256 };
    expect(policy.choose(uncolored, view)).toEqual(plain.choose(uncolored, view));
    expect(policy.choose(colored('x'), view)).toEqual(plain.choose(colored('x'), view));
  });
});

describe('PinTable', () => {
  it('counts, replaces and deletes pins, bumping its version on changes only', () => {
    const pins = new PinTable();
    pins.set('a', 'x', 1);
    pins.set('a', 'x', 1);
    expect(pins.version).toBe(1);
    pins.set('a', 'x', 2);
    pins.set('b', 'x', 3);
    expect(pins.size).toBe(2);
    expect(pins.namespace('a')).toEqual(new Map([['x', 2]]));
    expect(pins.delete('a', 'x')).toBe(true);
    expect(pins.delete('a', 'x')).toBe(false);
    expect(pins.size).toBe(1);
    expect(() => pins.set('a', 'y', -1)).toThrow(RangeError);
  });
});
