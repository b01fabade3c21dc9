import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPooledPolicy, splitPools } from '../../../src/balancer/index.js';
import { generateHash } from '../../../src/balancer/policies/openwhisk-sharding.js';
import { policyNames, type InvokerView, type PlacementRequest } from '../../../src/balancer/types.js';
import { arbitraryRequest, arbitraryView, healthyView, idsOf, range, seeded } from './helpers.js';

const TAG = 'palette-nodejs';

/**
 * ShardingContainerPoolBalancer.updateInvokers, as written in Scala, with the fractions given as
 * the decimals an operator writes (managed-fraction = 1 - blackbox-fraction): managed = the first
 * max(1, ceil(size * managed)), blackbox = the last max(1, floor(size * blackbox)).
 */
function openWhiskSplit(size: number, blackboxPercent: number): { managed: number[]; blackbox: number[] } {
  const managedFraction = Number(`0.${String(100 - blackboxPercent).padStart(2, '0')}`);
  const blackboxFraction = Math.max(1 - managedFraction, Math.min(1, blackboxPercent / 100));
  const managed = Math.max(1, Math.ceil(size * (blackboxPercent === 0 ? 1 : managedFraction)));
  const blackboxes = Math.max(1, Math.floor(size * blackboxFraction));
  const all = range(size);
  return { managed: all.slice(0, managed), blackbox: all.slice(size - blackboxes) };
}

describe('splitPools (OpenWhisk managed/blackbox split)', () => {
  it('matches OpenWhisk for every size up to 64 and every blackbox fraction 0.01..0.99', () => {
    for (let size = 1; size <= 64; size++) {
      for (let percent = 1; percent <= 99; percent++) {
        const split = splitPools(size, percent / 100);
        const expected = openWhiskSplit(size, percent);
        expect(range(split.managedEnd), `size ${size}, f ${percent}%`).toEqual(expected.managed);
        expect(range(size - split.blackboxStart, split.blackboxStart)).toEqual(expected.blackbox);
      }
    }
  });

  it('is the deploy-kube default: 10 invokers, 0.1 -> 9 managed and the last one for blackboxes', () => {
    expect(splitPools(10, 0.1)).toEqual({ managedEnd: 9, blackboxStart: 9 });
    // Too few invokers: at least one each, shared.
    expect(splitPools(1, 0.1)).toEqual({ managedEnd: 1, blackboxStart: 0 });
    expect(splitPools(2, 0.1)).toEqual({ managedEnd: 2, blackboxStart: 1 });
  });

  it('0 turns the split off: every invoker serves both', () => {
    expect(splitPools(7, 0)).toEqual({ managedEnd: 7, blackboxStart: 0 });
  });
});

/** Members with tags: each id tagged Node.js-only or not. */
const taggedMembers = fc
  .tuple(arbitraryView(24), fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }))
  .map(([view, tags]) => ({ view, tagged: new Set(view.filter((_, i) => tags[i]).map((v) => v.id)) }));

const kinds = fc.record({ blackbox: fc.boolean(), nonNodejs: fc.boolean() }).map((k) => ({
  blackbox: k.blackbox,
  // A blackbox action is never Node.js.
  nonNodejs: k.blackbox || k.nonNodejs,
}));

function allowed(
  view: readonly InvokerView[],
  tagged: Set<number>,
  f: number,
  request: PlacementRequest,
): number[] {
  const size = view.length === 0 ? 0 : view[view.length - 1]!.id + 1;
  const split = splitPools(size, f);
  return idsOf(view).filter(
    (id) =>
      (request.blackbox ? id >= split.blackboxStart : id < split.managedEnd) &&
      !(request.nonNodejs && tagged.has(id)),
  );
}

describe.each([
  ['plain', 0],
  ['bounded 1.25', 1.25],
])('every policy (%s) chooses within the action pool', (_variant, boundFactor) => {
  it.each(policyNames.map((n) => [n]))('%s', (name) => {
    fc.assert(
      fc.property(
        taggedMembers,
        fc.constantFrom(0, 0.1, 0.25, 0.5, 0.9, 1),
        arbitraryRequest,
        kinds,
        ({ view, tagged }, f, base, kind) => {
          const policy = createPooledPolicy(
            name,
            { random: seeded(3), boundFactor },
            { blackboxFraction: f, nodejsOnlyTag: TAG, tagsOf: (id) => (tagged.has(id) ? [TAG] : []) },
          );
          policy.setMembers(idsOf(view));
          const request = { ...base, ...kind };
          const pool = allowed(view, tagged, f, request);
          expect([...policy.candidates(request)]).toEqual(pool);
          const decision = policy.choose(request, view);
          const healthyInPool = view.filter((v) => pool.includes(v.id) && v.status === 'healthy');
          if (healthyInPool.length === 0) {
            expect(decision).toBeUndefined();
          } else {
            expect(pool).toContain(decision!.invoker);
          }
          for (const id of policy.order(request)) expect(pool).toContain(id);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('PooledPolicy', () => {
  const tagsOf = (tagged: number[]) => (id: number) => (tagged.includes(id) ? [TAG] : []);

  it('has no invoker for a non-Node.js kind when every invoker is Palette-tagged', () => {
    const policy = createPooledPolicy(
      'consistent-hash',
      {},
      { nodejsOnlyTag: TAG, tagsOf: tagsOf(range(4)) },
    );
    const view = healthyView(range(4));
    policy.setMembers(range(4));
    const python = { namespace: 'guest', action: 'guest/py', memoryMB: 256, nonNodejs: true };
    expect(policy.choose(python, view)).toBeUndefined();
    expect([...policy.order(python)]).toEqual([]);
    expect(policy.choose({ ...python, nonNodejs: false }, view)).toBeDefined();
  });

  it('never lets a color pin a managed action to a blackbox-only invoker, or the reverse', () => {
    const ids = range(10);
    const view = healthyView(ids);
    const policy = createPooledPolicy(
      'least-assigned',
      {},
      { blackboxFraction: 0.1, nodejsOnlyTag: TAG, tagsOf: () => [] },
    );
    policy.setMembers(ids);
    for (let i = 0; i < 200; i++) {
      const color = `c${i}`;
      const managed = policy.choose({ color, namespace: 'guest', action: 'guest/a', memoryMB: 256 }, view)!;
      const blackbox = policy.choose(
        { color, namespace: 'guest', action: 'guest/b', memoryMB: 256, blackbox: true, nonNodejs: true },
        view,
      )!;
      expect(managed.invoker).toBeLessThan(9);
      expect(blackbox.invoker).toBe(9);
    }
  });

  it('follows tag changes when the members are set again', () => {
    const tagged = [0, 1, 2, 3];
    const policy = createPooledPolicy(
      'round-robin',
      { random: seeded(1) },
      { nodejsOnlyTag: TAG, tagsOf: tagsOf(tagged) },
    );
    policy.setMembers(range(4));
    const python = { namespace: 'guest', action: 'guest/py', memoryMB: 256, nonNodejs: true };
    expect(policy.candidates(python)).toEqual([]);
    tagged.splice(2, 2);
    policy.setMembers(range(4));
    expect(policy.candidates(python)).toEqual([2, 3]);
    expect([2, 3]).toContain(policy.choose(python, healthyView(range(4)))!.invoker);
  });

  it("openwhisk-sharding hashes over OpenWhisk's managedInvokers and blackboxInvokers", () => {
    // 10 invokers, blackbox fraction 0.2: managed = ids 0..7, blackbox = ids 8 and 9.
    const ids = range(10);
    const view = healthyView(ids);
    const policy = createPooledPolicy(
      'openwhisk-sharding',
      {},
      { blackboxFraction: 0.2, nodejsOnlyTag: TAG, tagsOf: () => [] },
    );
    policy.setMembers(ids);
    for (let i = 0; i < 100; i++) {
      const action = `guest/a${i}`;
      const hash = generateHash('guest', action);
      const managed = policy.choose({ namespace: 'guest', action, memoryMB: 256 }, view)!;
      expect(managed).toMatchObject({ invoker: hash % 8, home: hash % 8, forced: false });
      const bb = policy.choose(
        { namespace: 'guest', action, memoryMB: 256, blackbox: true, nonNodejs: true },
        view,
      )!;
      expect(bb).toMatchObject({ invoker: 8 + (hash % 2), home: 8 + (hash % 2), forced: false });
      expect([...policy.order({ namespace: 'guest', action, memoryMB: 256, blackbox: true })][0]).toBe(
        8 + (hash % 2),
      );
    }
  });

  it('refuses a view that does not list the members', () => {
    const policy = createPooledPolicy('random', {}, { nodejsOnlyTag: TAG, tagsOf: () => [] });
    policy.setMembers(range(3));
    expect(() =>
      policy.choose({ namespace: 'g', action: 'g/a', memoryMB: 128 }, healthyView(range(2))),
    ).toThrow(RangeError);
  });
});
