import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, plan, planReplicated } from '../../../src/planner/index.js';

/** A ring of `n` colors with Zipf rates: color i has rate 1 / (i + 1)^s. */
function zipfRing(n: number, s = 1.5) {
  const builder = new GraphBuilder(0);
  for (let i = 0; i < n; i++) builder.setWeight(`c${i}`, 1 / (i + 1) ** s);
  for (let i = 0; i < n; i++) builder.addEdge(`c${i}`, `c${(i + 1) % n}`);
  return builder.build();
}

describe('planReplicated', () => {
  it('gives hot colors k homes growing with their rate, pins them to the first, and keeps the rest within the factor', () => {
    const graph = zipfRing(200);
    const ids = Array.from({ length: 8 }, (_, i) => i);
    const homesOf = (color: string, k: number) =>
      Array.from({ length: k }, (_, j) => (Number(color.slice(1)) + j) % 8);
    const result = planReplicated(graph, ids, { capacityFactor: 1.1, hotFactor: 1.25, max: 4, homesOf });
    const total = graph.nodeWeight.reduce((a, b) => a + b, 0);
    const hot = result.replicated.map((r) => r.color);
    expect(hot[0]).toBe('c0');
    for (const { color, homes } of result.replicated) {
      const share = graph.nodeWeight[graph.ids.indexOf(color)]! / total;
      expect(homes).toHaveLength(Math.min(4, Math.ceil((share * 8) / 1.25)));
      expect(result.assignment.get(color)).toBe(homes[0]);
    }
    // Colors below the threshold are not replicated.
    expect(hot).not.toContain('c10');
    // Without replication the hottest color alone breaks the balance; with it, the plan holds.
    // (The largest color left unreplicated, c1 at 1.1 x the mean, bounds what the plan can do.)
    expect(plan(graph, ids, { capacityFactor: 1.1 }).summary.maxMeanLoad).toBeGreaterThan(3);
    expect(result.summary.maxMeanLoad).toBeLessThan(1.2);
  });

  it('fixed colors stay put, and preloaded invokers take fewer others', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.nat(), (k, seed) => {
        const graph = zipfRing(60);
        const ids = Array.from({ length: k }, (_, i) => i * 3);
        const fixed = new Map([['c5', ids[k - 1]!]]);
        const preload = new Map([[ids[0]!, 0.2]]);
        const result = plan(graph, ids, { seed, fixed, preload, capacityFactor: 1.25 });
        expect(result.assignment.get('c5')).toBe(ids[k - 1]);
        const first = result.summary.loads.find((l) => l.invoker === ids[0])!;
        expect(first.load).toBeGreaterThanOrEqual(0.2);
        // The fixed color's own rate is not counted (its replicas' load is what preload is for).
        const counted = result.summary.loads.reduce((s, l) => s + l.load, 0);
        const rates = graph.nodeWeight.reduce((a, b) => a + b, 0);
        expect(counted).toBeCloseTo(rates - graph.nodeWeight[5]! + 0.2, 9);
        const mean = counted / k;
        for (const l of result.summary.loads)
          expect(l.load).toBeLessThanOrEqual(Math.max(result.summary.capacity, mean + 1) + 1e-9);
      }),
      { numRuns: 30 },
    );
  });
});
