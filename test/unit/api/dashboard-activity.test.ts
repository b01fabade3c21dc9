/**
 * The dashboard's last-minute book (src/api/dashboard/activity.ts): its windows against a plain
 * model that keeps every event, over generated event sequences and clock steps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DashboardActivity } from '../../../src/api/dashboard/activity.js';
import type { Placement } from '../../../src/controller/types.js';
import type { WhiskActivation } from '../../../src/protocol/index.js';

const hex = (n: number) => n.toString(16).padStart(32, '0');

function placement(n: number, over: Partial<Placement> = {}): Placement {
  return {
    activationId: hex(n),
    namespace: 'guest',
    action: 'guest/hello',
    policy: 'consistent-hash',
    invoker: 0,
    home: 0,
    forced: false,
    spilled: false,
    reason: 'home',
    controller: 'palette0',
    time: 0,
    ...over,
  };
}

function record(
  n: number,
  opts: { cold?: boolean; statusCode?: 0 | 1 | 2 | 3; kind?: string } = {},
): WhiskActivation {
  return {
    namespace: 'guest',
    name: 'hello',
    subject: 'guest',
    activationId: hex(n),
    start: 1000,
    end: 1042,
    response: { statusCode: opts.statusCode ?? 0, result: {} },
    logs: [],
    version: '0.0.1',
    publish: false,
    annotations: [
      { key: 'kind', value: opts.kind ?? 'nodejs:20' },
      ...(opts.cold ? [{ key: 'initTime', value: 30 }] : []),
    ],
  } as WhiskActivation;
}

describe('DashboardActivity', () => {
  it('completes a recent activation in place from its record: status, duration, warm or cold', () => {
    let now = 10_000;
    const a = new DashboardActivity({ now: () => now });
    a.placed(placement(1, { invoker: 2, color: 'red', time: now }));
    a.placed(placement(2, { invoker: 2, time: now }));
    a.placed(placement(3, { invoker: 3, time: now }));
    a.placed(placement(4, { kind: 'sequence', invoker: undefined, home: undefined, time: now }));
    now += 100;
    a.result(record(1));
    a.result(record(2, { cold: true, statusCode: 1 }));
    a.done(hex(3));
    a.result(record(4, { kind: 'sequence' }));
    const byId = new Map(a.recent({ limit: 10 }).map((e) => [e.activationId, e]));
    expect(byId.get(hex(1))).toMatchObject({ status: 'success', duration: 42, warm: true, color: 'red' });
    expect(byId.get(hex(2))).toMatchObject({ status: 'application error', warm: false });
    expect(byId.get(hex(3))).toMatchObject({ status: 'done' });
    expect(byId.get(hex(3))!.warm).toBeUndefined();
    expect(byId.get(hex(4))).toMatchObject({ status: 'success', kind: 'sequence' });
    expect(byId.get(hex(4))!.warm).toBeUndefined();
    // Warmth counts per invoker; the sequence ran on none, and a repeated record counts once.
    a.result(record(1));
    expect([...a.warmByInvoker()]).toEqual([[2, { warm: 1, cold: 1, share: 0.5 }]]);
    // Only actions placed on an invoker count toward rates and the off-home share.
    expect(a.offHome().placed).toBe(3);
  });

  it('forgets the oldest recent activations past its bound, and ignores records it forgot', () => {
    const a = new DashboardActivity({ maxRecent: 5, now: () => 0 });
    for (let n = 1; n <= 40; n++) a.placed(placement(n));
    expect(a.recent({ limit: 100 }).map((e) => e.activationId)).toEqual([40, 39, 38, 37, 36].map(hex));
    a.result(record(1, { cold: true }));
    expect(a.warmByInvoker().size).toBe(0);
  });

  it('bounds the distinct colors counted per second', () => {
    const a = new DashboardActivity({ maxColorsPerBucket: 3, now: () => 0 });
    for (let n = 0; n < 10; n++) a.placed(placement(n, { color: `c${n}` }));
    a.placed(placement(11, { color: 'c0' }));
    expect(a.topColors(undefined, 10)).toEqual([
      { namespace: 'guest', color: 'c0', activations: 2 },
      { namespace: 'guest', color: 'c1', activations: 1 },
      { namespace: 'guest', color: 'c2', activations: 1 },
    ]);
  });

  it('agrees with a model that keeps every event, over generated histories', () => {
    type Event =
      | { type: 'place'; ns: string; color?: string; policy: string; invoker: number; path: 0 | 1 | 2 }
      | { type: 'ack'; pick: number; cold: boolean }
      | { type: 'tick'; ms: number };
    const event: fc.Arbitrary<Event> = fc.oneof(
      fc.record({
        type: fc.constant('place' as const),
        ns: fc.constantFrom('guest', 'other'),
        color: fc.option(fc.constantFrom('a', 'b', 'c', '<img src=x>'), { nil: undefined }),
        policy: fc.constantFrom('consistent-hash', 'round-robin'),
        invoker: fc.nat(3),
        path: fc.constantFrom(0 as const, 1 as const, 2 as const),
      }),
      fc.record({ type: fc.constant('ack' as const), pick: fc.nat(), cold: fc.boolean() }),
      fc.record({ type: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 30_000 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 120 }),
        fc.integer({ min: 0, max: 999 }),
        (events, startMs) => {
          let now = 1_700_000_000_000 + startMs;
          const a = new DashboardActivity({ now: () => now, windowMs: 60_000, rateWindowMs: 10_000 });
          const placed: {
            id: number;
            second: number;
            e: Extract<Event, { type: 'place' }>;
            acked: boolean;
          }[] = [];
          const acks: { second: number; invoker: number; cold: boolean }[] = [];
          for (const e of events) {
            if (e.type === 'tick') now += e.ms;
            else if (e.type === 'place') {
              const id = placed.length + 1;
              placed.push({ id, second: Math.floor(now / 1000), e, acked: false });
              a.placed(
                placement(id, {
                  namespace: e.ns,
                  ...(e.color !== undefined ? { color: e.color } : {}),
                  policy: e.policy,
                  invoker: e.invoker,
                  spilled: e.path === 1,
                  forced: e.path === 2,
                  time: now,
                }),
              );
            } else if (placed.length > 0) {
              const target = placed[e.pick % placed.length]!;
              a.result(record(target.id, { cold: e.cold }));
              if (!target.acked)
                acks.push({ second: Math.floor(now / 1000), invoker: target.e.invoker, cold: e.cold });
              target.acked = true;
            }
          }
          const second = Math.floor(now / 1000);
          const within = (s: number, spanS: number) => s > second - spanS && s <= second;
          const inWindow = placed.filter((p) => within(p.second, 60));
          const off = a.offHome();
          expect(off.placed).toBe(inWindow.length);
          expect(off.spilled).toBe(inWindow.filter((p) => p.e.path === 1).length);
          expect(off.forced).toBe(inWindow.filter((p) => p.e.path === 2).length);
          expect(off.share).toBeGreaterThanOrEqual(0);
          expect(off.share).toBeLessThanOrEqual(1);
          for (const policy of ['consistent-hash', 'round-robin']) {
            const n = placed.filter((p) => within(p.second, 10) && p.e.policy === policy).length;
            expect(a.ratesByPolicy().get(policy) ?? 0).toBeCloseTo(n / 10);
          }
          const warmth = a.warmByInvoker();
          for (let invoker = 0; invoker <= 3; invoker++) {
            const mine = acks.filter((k) => within(k.second, 60) && k.invoker === invoker);
            const got = warmth.get(invoker);
            expect(got?.warm ?? 0).toBe(mine.filter((k) => !k.cold).length);
            expect(got?.cold ?? 0).toBe(mine.filter((k) => k.cold).length);
          }
          for (const ns of ['guest', 'other']) {
            const counts = new Map<string, number>();
            for (const p of inWindow)
              if (p.e.ns === ns && p.e.color !== undefined)
                counts.set(p.e.color, (counts.get(p.e.color) ?? 0) + 1);
            const top = a.topColors(ns, 10);
            expect(new Map(top.map((c) => [c.color, c.activations]))).toEqual(counts);
            for (let i = 1; i < top.length; i++)
              expect(top[i - 1]!.activations).toBeGreaterThanOrEqual(top[i]!.activations);
            const recent = a.recent({ namespace: ns, limit: 1000 });
            expect(recent.map((r) => r.activationId)).toEqual(
              placed
                .filter((p) => p.e.ns === ns)
                .map((p) => hex(p.id))
                .reverse(),
            );
            expect(a.recent({ namespace: ns, color: 'a', limit: 1000 }).every((r) => r.color === 'a')).toBe(
              true,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
