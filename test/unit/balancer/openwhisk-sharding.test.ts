import { describe, expect, it } from 'vitest';
import { javaStringHashCode } from '../../../src/balancer/common.js';
import {
  generateHash,
  OpenWhiskShardingPolicy,
  pairwiseCoprimeNumbersUntil,
  probeOrder,
} from '../../../src/balancer/policies/openwhisk-sharding.js';
import type { InvokerView } from '../../../src/balancer/types.js';
import { chooseIn, healthyView, range, seeded, withMembers } from './helpers.js';

describe('Java String.hashCode', () => {
  it.each([
    ['', 0],
    ['a', 97],
    ['abc', 96354],
    ['hello', 99162322],
    ['Hello World', -862545276],
    ['Aa', 2112],
    ['BB', 2112],
    ['polygenelubricants', -2147483648],
    ['\u00e9t\u00e9', 0xe9 * 961 + 0x74 * 31 + 0xe9],
    ['\ud83d\ude00', 0xd83d * 31 + 0xde00],
  ])('hashCode(%j) = %i', (s, expected) => {
    expect(javaStringHashCode(s)).toBe(expected);
  });
});

describe('generateHash', () => {
  it('is |hash(namespace) ^ hash(action)| with 32-bit wrap', () => {
    expect(generateHash('hello', 'abc')).toBe(Math.abs(99162322 ^ 96354));
    expect(generateHash('Hello World', '')).toBe(862545276);
  });

  it('keeps Int.MinValue negative, as Scala Int.abs does', () => {
    expect(generateHash('polygenelubricants', '')).toBe(-2147483648);
  });
});

describe('pairwiseCoprimeNumbersUntil (OpenWhisk test values)', () => {
  it.each([
    [1, [1]],
    [2, [1]],
    [3, [1, 2]],
    [4, [1, 3]],
    [5, [1, 2, 3]],
    [9, [1, 2, 5, 7]],
    [10, [1, 3, 7]],
  ])('%i -> %j', (x, expected) => {
    expect(pairwiseCoprimeNumbersUntil(x)).toEqual(expected);
  });
});

describe('schedule', () => {
  it("walks the source comment's worked example: 10 invokers, hash 13 -> 3,6,9,2,5,8,1,4,7,0", () => {
    expect(probeOrder(13, 10).slice(0, 10)).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7, 0]);
    // n + 2 probes in all: OpenWhisk stops when stepsDone == n + 1.
    expect(probeOrder(13, 10)).toHaveLength(12);
  });

  /** A (namespace, action) pair whose OpenWhisk hash is `hash` modulo 30 (enough for n = 10, 3 steps). */
  function requestWithHashMod(target: number, modulo: number) {
    for (let i = 0; ; i++) {
      const action = `guest/action${i}`;
      if (generateHash('guest', action) % modulo === target)
        return { namespace: 'guest', action, memoryMB: 256 };
    }
  }

  it('places on the first healthy invoker with room in the probe order', () => {
    const request = requestWithHashMod(13, 30);
    const policy = new OpenWhiskShardingPolicy();
    policy.setMembers(range(10));
    const hash = generateHash(request.namespace, request.action);
    const order = probeOrder(hash, 10);
    expect(order.slice(0, 10)).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7, 0]);
    for (let blocked = 0; blocked < 10; blocked++) {
      // The first `blocked` invokers of the order are unhealthy or full.
      const view: InvokerView[] = healthyView(range(10), 1024).map((v) => {
        const rank = order.indexOf(v.id);
        if (rank >= blocked) return v;
        return rank % 2 === 0 ? { ...v, status: 'unhealthy' } : { ...v, inFlightMB: 1024 - 128 };
      });
      const decision = policy.choose(request, view);
      expect(decision).toEqual({ invoker: order[blocked], home: 3, forced: false, spilled: blocked > 0 });
    }
  });

  it('forces a random healthy invoker when every healthy one is full', () => {
    const request = requestWithHashMod(13, 30);
    const view = healthyView(range(10), 1024).map((v) => ({
      ...v,
      inFlightMB: 1024,
      status: v.id % 3 === 0 ? ('offline' as const) : ('healthy' as const),
    }));
    const healthy = view.filter((v) => v.status === 'healthy').map((v) => v.id);
    // random() = 0.5 picks the middle healthy invoker, as ThreadLocalRandom.nextInt(size) would.
    const decision = chooseIn(new OpenWhiskShardingPolicy({ random: () => 0.5 }), request, view);
    expect(decision).toMatchObject({
      invoker: healthy[Math.floor(healthy.length / 2)],
      home: 3,
      forced: true,
    });
    const picks = new Set<number>();
    const policy = withMembers(new OpenWhiskShardingPolicy({ random: seeded(1) }), view);
    for (let i = 0; i < 200; i++) picks.add(policy.choose(request, view)!.invoker);
    expect([...picks].sort((a, b) => a - b)).toEqual(healthy);
  });

  it('gives no decision when no invoker is healthy', () => {
    const view = healthyView(range(5)).map((v) => ({ ...v, status: 'unresponsive' as const }));
    expect(chooseIn(new OpenWhiskShardingPolicy(), requestWithHashMod(1, 5), view)).toBeUndefined();
    expect(chooseIn(new OpenWhiskShardingPolicy(), requestWithHashMod(1, 5), [])).toBeUndefined();
  });

  it('indexes by invoker number and fills gaps with offline placeholders', () => {
    const view = healthyView([0, 2, 5]);
    const policy = withMembers(new OpenWhiskShardingPolicy(), view);
    // undefined: OpenWhisk's Offline placeholder for a missing invoker number.
    expect(policy.managedInvokers()).toEqual([0, undefined, 2, undefined, undefined, 5]);
    // A request homed on a gap probes onward instead of failing.
    const request = requestWithHashMod(1, 6);
    const decision = policy.choose(request, view)!;
    expect(decision.home).toBe(1);
    expect([0, 2, 5]).toContain(decision.invoker);
    expect(decision.spilled).toBe(true);
  });

  it('uses the lowest ceil(n x managedFraction) invokers for managed actions', () => {
    const policy = new OpenWhiskShardingPolicy({ managedFraction: 0.9 });
    policy.setMembers(range(1));
    expect(policy.managedInvokers()).toHaveLength(1);
    policy.setMembers(range(24));
    expect(policy.managedInvokers()).toHaveLength(22);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      seen.add(
        policy.choose({ namespace: 'guest', action: `guest/a${i}`, memoryMB: 256 }, healthyView(range(24)))!
          .invoker,
      );
    }
    expect(Math.max(...seen)).toBe(21);
  });

  it('survives the Int.MinValue hash OpenWhisk itself would fail on', () => {
    const decision = chooseIn(
      new OpenWhiskShardingPolicy(),
      { namespace: 'polygenelubricants', action: '', memoryMB: 256 },
      healthyView(range(10)),
    );
    // -2147483648 % 10 = -8 in Scala and JS; wrapped into range: 2.
    expect(decision).toEqual({ invoker: 2, home: 2, forced: false, spilled: false });
  });

  it('keeps an action on its home while the home has room', () => {
    const view = healthyView(range(8), 1024);
    const policy = withMembers(new OpenWhiskShardingPolicy(), view);
    const request = { namespace: 'guest', action: 'guest/hello', memoryMB: 256 };
    const home = generateHash('guest', 'guest/hello') % 8;
    for (let i = 0; i < 5; i++)
      expect(policy.choose(request, view)).toEqual({ invoker: home, home, forced: false, spilled: false });
  });
});
