/**
 * A model of replicas placing the same new colors at once (issue 15 item 5), over the real
 * ColorTable. Each replica decides from its own table; its decision goes to the store as a
 * create-only document that arrives some steps later, and the first create to arrive wins. A
 * replica publishes only once its create is answered: its own invoker if it won, else the winner's
 * (adopted). The winners reach the other tables through the changes feed, `lag` steps later.
 *
 * - Property: whatever the orders and delays, every replica publishes the same invoker for every
 *   color (the store decides), and the tables end identical.
 * - Figure: how often the local decision already was the winner (no conflict, no extra read), for
 *   the near-least rule with a color-hash (ColorTable.choose) and the former fewest/lowest-id rule.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColorTable } from '../../../src/balancer/color-table.js';

type Rule = 'near-least' | 'lowest-id';

interface Model {
  replicas: number;
  invokers: number;
  /** Per replica, its order of the colors. */
  orders: string[][];
  /** Steps a create takes to reach the store (per decision, from a seed). */
  maxDelay: number;
  /** Steps before a winner reaches the other replicas through the feed. */
  lag: number;
  seed: number;
  rule: Rule;
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function run(m: Model) {
  const random = rng(m.seed);
  const ids = Array.from({ length: m.invokers }, (_, i) => i);
  const tables = Array.from({ length: m.replicas }, () => new ColorTable());
  const store = new Map<string, number>();
  const published = Array.from({ length: m.replicas }, () => new Map<string, number>());
  const creates: { at: number; replica: number; color: string; invoker: number }[] = [];
  const feed: { at: number; color: string; invoker: number }[] = [];
  let conflictFree = 0;
  let decided = 0;
  const steps = m.orders[0]!.length;
  for (let step = 0; step <= steps + m.maxDelay + m.lag; step++) {
    for (let r = 0; r < m.replicas; r++) {
      const color = m.orders[r]![step];
      const table = tables[r]!;
      if (color === undefined || table.get(color) !== undefined) continue;
      const invoker = m.rule === 'near-least' ? table.choose(color, ids)! : table.leastAssigned(ids)!;
      table.adopt(color, invoker);
      creates.push({ at: step + Math.floor(random() * (m.maxDelay + 1)), replica: r, color, invoker });
    }
    // Creates that reach the store now, in an order the seed picks (concurrent requests).
    const arriving = creates.filter((c) => c.at <= step).sort(() => random() - 0.5);
    creates.splice(0, creates.length, ...creates.filter((c) => c.at > step));
    for (const c of arriving) {
      decided++;
      const winner = store.get(c.color);
      if (winner === undefined) {
        store.set(c.color, c.invoker);
        feed.push({ at: step + m.lag, color: c.color, invoker: c.invoker });
        conflictFree++;
      } else if (winner === c.invoker) conflictFree++;
      tables[c.replica]!.adopt(c.color, store.get(c.color)!);
      published[c.replica]!.set(c.color, store.get(c.color)!);
    }
    for (const f of feed.filter((e) => e.at <= step))
      for (const t of tables) if (t.get(f.color) === undefined) t.adopt(f.color, f.invoker);
    feed.splice(0, feed.length, ...feed.filter((e) => e.at > step));
  }
  return { tables, published, conflictFree: conflictFree / decided };
}

/** Replica orders: the first as given, the others displaced within `window` positions. */
function nearOrders(colors: readonly string[], replicas: number, window: number, seed: number): string[][] {
  const random = rng(seed);
  return Array.from({ length: replicas }, (_, r) =>
    r === 0
      ? [...colors]
      : colors
          .map((c, i) => [i + random() * window, c] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, c]) => c),
  );
}

describe('first decisions confirmed through a create-only store (model over ColorTable)', () => {
  it('every replica publishes the same invoker for every color, whatever the orders and delays', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 30 }),
        fc.nat(),
        fc.constantFrom<Rule>('near-least', 'lowest-id'),
        (replicas, invokers, count, maxDelay, lag, seed, rule) => {
          const colors = Array.from({ length: count }, (_, i) => `c${i}`);
          const random = rng(seed);
          const orders = Array.from({ length: replicas }, () => [...colors].sort(() => random() - 0.5));
          const { tables, published } = run({ replicas, invokers, orders, maxDelay, lag, seed, rule });
          for (const color of colors) {
            const picks = new Set(published.map((p) => p.get(color)).filter((x) => x !== undefined));
            expect(picks.size).toBe(1);
          }
          for (const t of tables.slice(1))
            expect([...t.entries()].sort()).toEqual([...tables[0]!.entries()].sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the near-least rule makes most races agree before the store is asked (figures printed)', () => {
    const colors = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
    const lines: string[] = [];
    for (const invokers of [4, 24])
      for (const window of [5, 50]) {
        const share = (rule: Rule) => {
          let sum = 0;
          for (let seed = 1; seed <= 3; seed++)
            sum += run({
              replicas: 3,
              invokers,
              orders: nearOrders(colors, 3, window, seed),
              maxDelay: 4,
              lag: window,
              seed,
              rule,
            }).conflictFree;
          return sum / 3;
        };
        const near = share('near-least');
        const lowest = share('lowest-id');
        lines.push(
          `N=${invokers} window=lag=${window}: no conflict ${(100 * near).toFixed(1)}% (near-least+hash) vs ${(100 * lowest).toFixed(1)}% (fewest/lowest-id)`,
        );
        expect(near).toBeGreaterThan(lowest);
        expect(near).toBeGreaterThan(0.8);
      }
    console.log(`[first-decision model] 3 replicas, 1000 colors:\n  ${lines.join('\n  ')}`);
  });
});
