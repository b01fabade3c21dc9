/**
 * Hot-color replication's load condition (policies/replicated.ts), as properties: a lone sequential
 * color never leaves its first home, at any rate; a hot color leaves it exactly when that home is
 * over the bounded-loads bound and another home is strictly less loaded; and with many colors under
 * real concurrency, the hot ones spread over their homes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPolicy, PinTable, ReplicatedPolicy } from '../../../src/balancer/index.js';
import { loadBound } from '../../../src/balancer/policies/bounded-loads.js';
import type { InvokerView, PolicyName } from '../../../src/balancer/types.js';
import { colored, healthyView, invokerIds, MOVEMENT_SEED, seeded, withMembers } from './helpers.js';

const hashing: PolicyName[] = ['consistent-hash', 'bucket-hash', 'least-assigned'];

describe('hot-color replication under load', () => {
  it('a lone sequential color keeps one invoker, at any rate, factor, floor, bound and member count', () => {
    fc.assert(
      fc.property(
        invokerIds(1, 32),
        fc.constantFrom(...hashing),
        fc.constantFrom(0, 1.1, 1.25, 2),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 200, max: 3000 }),
        fc.boolean(),
        fc.option(fc.nat(), { nil: undefined }),
        (ids, name, bound, factor, floor, max, calls, lagging, pinAt) => {
          // Under a bound below floor 2, bounded loads itself moves a lagging color, with or
          // without replication (bounded-loads-floor.test.ts): that floor is the platform default.
          if (bound > 0 && lagging) floor = Math.max(2, floor);
          const view = healthyView(ids);
          const pins = new PinTable();
          if (pinAt !== undefined) pins.set('guest', 'lone', ids[pinAt % ids.length]!);
          const policy = withMembers(
            createPolicy(name, {
              boundFactor: bound,
              boundFloor: floor,
              pins,
              replication: { max, factor, warmUp: 50 },
            }),
            view,
          );
          expect(policy).toBeInstanceOf(ReplicatedPolicy);
          const used = new Set<number>();
          let previous: number | undefined;
          for (let i = 0; i < calls; i++) {
            // Sequential: nothing of its own in flight, or (lagging) its previous call's slot,
            // which the invoker frees only after the caller has the answer.
            const now: InvokerView[] = view.map((v) =>
              lagging && v.id === previous ? { ...v, inFlight: 1, inFlightMB: 256 } : v,
            );
            const d = policy.choose(colored('lone'), now)!;
            used.add(d.invoker);
            previous = d.invoker;
          }
          // It is as hot as a color can be, and still does not move.
          const replicated = policy as ReplicatedPolicy;
          expect(replicated.replicas(colored('lone'))).toBe(
            Math.max(1, Math.min(max, ids.length, Math.ceil(ids.length / factor))),
          );
          expect(used.size).toBe(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a hot color leaves its first home exactly when that home is over the bound, for a strictly less loaded home', () => {
    fc.assert(
      fc.property(
        invokerIds(2, 24).chain((ids) =>
          fc.tuple(
            fc.constant(ids),
            fc.array(fc.integer({ min: 0, max: 10 }), { minLength: ids.length, maxLength: ids.length }),
          ),
        ),
        fc.double({ min: 0.2, max: 0.95, noNaN: true }),
        fc.constantFrom(1.1, 1.25, 1.5, 2),
        fc.integer({ min: 0, max: 4 }),
        ([ids, inFlight], share, factor, floor) => {
          const idle = healthyView(ids);
          const options = { max: 4, factor, floor };
          const policy = withMembers(new ReplicatedPolicy(createPolicy('consistent-hash'), options), idle);
          const plain = withMembers(createPolicy('consistent-hash'), idle);
          const random = seeded(ids.length);
          for (let i = 0; i < 600; i++)
            policy.choose(colored(random() < share ? 'hot' : `cold${i % 300}`), idle);
          const view = idle.map((v, i) => ({ ...v, inFlight: inFlight[i]!, inFlightMB: inFlight[i]! * 256 }));
          const decision = policy.choose(colored('hot'), view)!;
          const k = policy.replicas(colored('hot'));
          const homes = [...policy.order(colored('hot'))].slice(0, k);
          const load = (id: number) => view.find((v) => v.id === id)!.inFlight;
          const total = inFlight.reduce((a, b) => a + b, 0);
          const bound = loadBound(factor, total, ids.length, Math.max(2, floor));
          const least = homes.reduce((best, id) => (load(id) < load(best) ? id : best), homes[0]!);
          if (k >= 2 && load(homes[0]!) + 1 > bound && least !== homes[0]) {
            expect(decision).toEqual({
              invoker: least,
              home: homes[0],
              forced: false,
              spilled: false,
              reason: 'replica',
            });
          } else {
            expect(decision).toEqual(plain.choose(colored('hot'), view));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('with many colors and real concurrency, hot colors spread over their homes and the load evens out', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 24 }), fc.integer(), (n, seed) => {
        const ids = Array.from({ length: n }, (_, i) => i);
        const random = seeded(seed);
        // Zipf(1.2) over 300 colors: the first few are hot; concurrency 2 per invoker.
        const weights = Array.from({ length: 300 }, (_, i) => 1 / (i + 1) ** 1.2);
        const sum = weights.reduce((a, b) => a + b, 0);
        const pick = () => {
          let r = random() * sum;
          for (let i = 0; i < weights.length; i++) if ((r -= weights[i]!) <= 0) return i;
          return weights.length - 1;
        };
        const colors = Array.from({ length: 6000 }, pick);
        const run = (replication: boolean) => {
          const view = healthyView(ids, 2048);
          const policy = withMembers(
            createPolicy('consistent-hash', replication ? { replication: { max: 4 } } : {}),
            view,
          );
          const loads = new Array<number>(n).fill(0);
          const inFlight: number[] = [];
          const where = new Map<number, Set<number>>();
          const completion = seeded(seed ^ 0x5eed);
          for (const c of colors) {
            const d = policy.choose(colored(`c${c}`), view)!;
            const v = view[d.invoker]!;
            Object.assign(v, { inFlight: v.inFlight + 1, inFlightMB: v.inFlightMB + 256 });
            loads[d.invoker]!++;
            inFlight.push(d.invoker);
            if (!where.has(c)) where.set(c, new Set());
            where.get(c)!.add(d.invoker);
            while (inFlight.length > 2 * n) {
              const [done] = inFlight.splice(Math.floor(completion() * inFlight.length), 1);
              const w = view[done!]!;
              Object.assign(w, { inFlight: w.inFlight - 1, inFlightMB: w.inFlightMB - 256 });
            }
          }
          const mean = colors.length / n;
          return { policy, maxMean: Math.max(...loads) / mean, where };
        };
        const off = run(false);
        const on = run(true);
        // The hottest color (~17% of requests) has several homes, the first ones of its order.
        const homes = [...on.policy.order(colored('c0'))].slice(0, 4);
        expect(on.where.get(0)!.size).toBeGreaterThan(1);
        for (const id of on.where.get(0)!) expect(homes).toContain(id);
        // A cold color keeps one invoker.
        expect(on.where.get(299)?.size ?? 1).toBe(1);
        expect(on.maxMean).toBeLessThan(off.maxMean);
      }),
      { numRuns: 12, seed: MOVEMENT_SEED },
    );
  });
});
