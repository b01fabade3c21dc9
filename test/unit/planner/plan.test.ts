import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  edgeLocality,
  GraphBuilder,
  plan,
  seededRandom,
  type PlanEdge,
  type PlanGraph,
} from '../../../src/planner/index.js';

/** k communities of `size` nodes; each inside pair an edge with pIn, each cross pair with pOut. */
function plantedPartition(k: number, size: number, pIn: number, pOut: number, seed: number): PlanGraph {
  const random = seededRandom(seed);
  const n = k * size;
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, weight: 1 + Math.floor(random() * 5) }));
  const edges: PlanEdge[] = [];
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      const same = Math.floor(a / size) === Math.floor(b / size);
      if (random() < (same ? pIn : pOut)) edges.push({ a: `c${a}`, b: `c${b}`, weight: 1 });
    }
  return { nodes, edges };
}

/** Edge locality of hashing every color to an invoker (FNV-1a of the id modulo n). */
function hashedLocality(graph: PlanGraph, invokers: number): number {
  const hash = (s: string) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return h % invokers;
  };
  let inside = 0;
  let total = 0;
  for (const e of graph.edges) {
    total += e.weight ?? 1;
    if (hash(e.a) === hash(e.b)) inside += e.weight ?? 1;
  }
  return total === 0 ? 1 : inside / total;
}

const arbitraryGraph = fc
  .record({
    n: fc.integer({ min: 1, max: 60 }),
    edges: fc.array(fc.tuple(fc.nat(59), fc.nat(59), fc.integer({ min: 0, max: 9 })), { maxLength: 200 }),
    weights: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 60, maxLength: 60 }),
  })
  .map(({ n, edges, weights }) => ({
    nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i}`, weight: weights[i]! })),
    edges: edges
      .filter(([a, b]) => a < n && b < n)
      .map(([a, b, w]) => ({ a: `n${a}`, b: `n${b}`, weight: w })),
  }));
const arbitraryInvokers = fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 12 });
const arbitraryFactor = fc.constantFrom(1, 1.05, 1.1, 1.25, 1.5, 2);

describe('plan', () => {
  it('assigns every color exactly once, to one of the invokers', () => {
    fc.assert(
      fc.property(arbitraryGraph, arbitraryInvokers, fc.nat(), (graph, invokers, seed) => {
        const { assignment, summary } = plan(graph, invokers, { seed });
        expect(assignment.size).toBe(graph.nodes.length);
        for (const node of graph.nodes) expect(invokers).toContain(assignment.get(node.id));
        expect(summary.loads.reduce((s, l) => s + l.colors, 0)).toBe(graph.nodes.length);
      }),
    );
  });

  it('keeps every load within max(capacity factor x mean, mean + heaviest color)', () => {
    fc.assert(
      fc.property(
        arbitraryGraph,
        arbitraryInvokers,
        arbitraryFactor,
        fc.nat(),
        (graph, invokers, factor, seed) => {
          const { assignment, summary } = plan(graph, invokers, { capacityFactor: factor, seed });
          const total = graph.nodes.reduce((s, n) => s + n.weight, 0);
          const weightOf = (n: { weight: number }) => (total > 0 ? n.weight : 1);
          const sum = total > 0 ? total : graph.nodes.length;
          const mean = sum / invokers.length;
          const heaviest = Math.max(...graph.nodes.map(weightOf));
          const bound = Math.max(factor * mean, mean + heaviest) + 1e-9;
          const loads = new Map<number, number>();
          for (const node of graph.nodes) {
            const inv = assignment.get(node.id)!;
            loads.set(inv, (loads.get(inv) ?? 0) + weightOf(node));
          }
          for (const load of loads.values()) expect(load).toBeLessThanOrEqual(bound);
          for (const l of summary.loads) expect(l.load).toBeCloseTo(loads.get(l.invoker) ?? 0, 6);
        },
      ),
    );
  });

  it('stays within the capacity factor when no color alone is heavier than the slack', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 300 }),
        fc.integer({ min: 1, max: 8 }),
        arbitraryFactor.filter((f) => f > 1),
        fc.nat(),
        (n, k, factor, seed) => {
          const graph = plantedPartition(4, Math.ceil(n / 4), 0.3, 0.02, seed);
          const total = graph.nodes.reduce((s, x) => s + x.weight, 0);
          const slack = ((factor - 1) * total) / k;
          fc.pre(Math.max(...graph.nodes.map((x) => x.weight)) <= slack);
          const { summary } = plan(
            graph,
            Array.from({ length: k }, (_, i) => i),
            { capacityFactor: factor, seed },
          );
          expect(summary.maxMeanLoad).toBeLessThanOrEqual(factor + 1e-9);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('is deterministic for a seed, whatever the invoker order', () => {
    fc.assert(
      fc.property(arbitraryGraph, arbitraryInvokers, fc.nat(), (graph, invokers, seed) => {
        const first = plan(graph, invokers, { seed });
        const second = plan(graph, [...invokers].reverse(), { seed });
        expect([...second.assignment]).toEqual([...first.assignment]);
        expect(second.summary).toEqual(first.summary);
      }),
    );
  });

  it('keeps at least as many friendships together as hashing on planted-partition graphs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 2, max: 8 }),
        fc.nat(),
        (communities, invokers, seed) => {
          const graph = plantedPartition(communities, 20, 0.4, 0.02, seed);
          const { summary } = plan(
            graph,
            Array.from({ length: invokers }, (_, i) => i),
            {
              capacityFactor: 1.25,
              seed,
            },
          );
          expect(summary.edgeLocality).toBeGreaterThanOrEqual(hashedLocality(graph, invokers));
          expect(summary.edgeLocality).toBeGreaterThanOrEqual(summary.hashLocality);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('recovers planted communities when there are as many invokers as communities', () => {
    const graph = plantedPartition(4, 30, 0.5, 0.01, 11);
    const { summary } = plan(graph, [0, 1, 2, 3], { capacityFactor: 1.25, seed: 3 });
    expect(summary.edgeLocality).toBeGreaterThan(0.8);
    expect(summary.maxMeanLoad).toBeLessThanOrEqual(1.25);
  });

  it('puts everything on the one invoker there is, and refuses no invoker or a factor below 1', () => {
    const graph = plantedPartition(2, 5, 1, 0, 1);
    const { assignment, summary } = plan(graph, [7]);
    expect(new Set(assignment.values())).toEqual(new Set([7]));
    expect(summary.edgeLocality).toBe(1);
    expect(() => plan(graph, [])).toThrow(RangeError);
    expect(() => plan(graph, [1, 2], { capacityFactor: 0.9 })).toThrow(RangeError);
  });

  it('gives the compact form built edge by edge the same plan as the object form', () => {
    const graph = plantedPartition(3, 10, 0.5, 0.05, 5);
    const builder = new GraphBuilder(0);
    for (const n of graph.nodes) builder.setWeight(n.id, n.weight);
    for (const e of graph.edges) builder.addEdge(e.a, e.b, e.weight);
    const compact = builder.build();
    const a = plan(graph, [1, 2, 3], { seed: 9 });
    const b = plan(compact, [1, 2, 3], { seed: 9 });
    expect([...b.assignment]).toEqual([...a.assignment]);
    const parts = compact.ids.map((id) => b.assignment.get(id)!);
    expect(edgeLocality(compact, parts)).toBeCloseTo(b.summary.edgeLocality, 12);
  });
});
