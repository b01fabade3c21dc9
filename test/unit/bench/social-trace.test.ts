import { describe, expect, it } from 'vitest';
import { ClosedLoopDispatcher } from '../../../bench/lib/closed-loop.js';
import { Lru } from '../../../bench/lib/lru.js';
import { mulberry32 } from '../../../bench/lib/random.js';
import {
  issueOrder,
  pooledHitRatio,
  POLICY_SPECS,
  simulate,
  DEFAULT_SIM,
} from '../../../bench/lib/social-sim.js';
import {
  generateGraph,
  generateTrace,
  graphFromEdges,
  REED98_EDGES,
  REED98_USERS,
} from '../../../bench/lib/social-trace.js';
import { Zipf } from '../../../bench/lib/zipf.js';

const options = { requests: 4000, zipfExponent: 0.99, postsPerUser: 10, timelineLength: 10, seed: 11 };

describe('Zipf', () => {
  it('matches its probabilities on a large sample', () => {
    const zipf = new Zipf(50, 0.99);
    const random = mulberry32(1);
    const counts = new Array<number>(50).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[zipf.sample(random)]!++;
    for (const k of [0, 1, 4, 20, 49]) {
      const expected = zipf.probability(k) * draws;
      expect(Math.abs(counts[k]! - expected)).toBeLessThan(5 * Math.sqrt(expected) + 5);
    }
    // the 962-user hottest share quoted in palette.md
    expect(new Zipf(962, 0.99).probability(0)).toBeCloseTo(0.13, 2);
  });
});

describe('the generated graph', () => {
  it('has socfb-Reed98 size and degree profile', () => {
    const graph = generateGraph();
    expect(graph.users).toBe(REED98_USERS);
    expect(graph.edges).toBe(REED98_EDGES);
    const degrees = graph.friends.map((f) => f.length);
    expect(Math.max(...degrees)).toBeGreaterThan(150);
    expect(Math.max(...degrees)).toBeLessThan(600);
    for (const [u, friends] of graph.friends.entries())
      for (const v of friends) expect(graph.friends[v]).toContain(u);
  });

  it('reads an edge list', () => {
    const graph = graphFromEdges('1 0\n2 0\n# comment\n2 1\n', 'inline');
    expect(graph.users).toBe(3);
    expect(graph.edges).toBe(3);
    expect(graph.friends[0]).toEqual([1, 2]);
    expect(() => graphFromEdges('a b\n', 'bad')).toThrow(/not an edge line/);
  });
});

describe('the trace', () => {
  const graph = generateGraph(200, 2000, 3);

  it('is the same for the same seed and differs for another', () => {
    const a = generateTrace(graph, options);
    const b = generateTrace(graph, options);
    const c = generateTrace(graph, { ...options, seed: 12 });
    expect(b.requests).toEqual(a.requests);
    expect(c.requests.map((r) => r.user)).not.toEqual(a.requests.map((r) => r.user));
  });

  it('has half of each kind, timelines as pinned, and the compulsory-miss ceiling', () => {
    const trace = generateTrace(graph, options);
    expect(trace.requests.filter((r) => r.kind === 'user')).toHaveLength(2000);
    for (const r of trace.requests.slice(0, 200)) {
      expect(r.color).toBe(String(r.user));
      if (r.kind === 'user')
        expect(r.posts).toEqual(Array.from({ length: 10 }, (_, i) => `post:${r.user}:${9 - i}`));
      else {
        expect(r.friends!.length).toBe(Math.min(10, graph.friends[r.user]!.length));
        for (const f of r.friends!) expect(graph.friends[r.user]).toContain(f);
        expect(r.posts).toEqual(r.friends!.map((f) => `post:${f}:9`));
      }
    }
    const distinct = new Set(trace.requests.flatMap((r) => r.posts)).size;
    const reads = trace.requests.reduce((s, r) => s + r.posts.length, 0);
    expect(trace.ceiling).toBeCloseTo(1 - distinct / reads, 12);
    // the hottest user of the ranking is the most requested
    const counts = new Map<number, number>();
    for (const r of trace.requests) counts.set(r.user, (counts.get(r.user) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBe(counts.get(trace.ranking[0]!));
  });
});

describe('LRU', () => {
  it('evicts the least recently used and counts as the action does', () => {
    const lru = new Lru<string>(3);
    expect(lru.readAll(['a', 'b', 'c'])).toBe(0);
    expect(lru.readAll(['a'])).toBe(1); // a is now newest: b is the eldest
    expect(lru.readAll(['d'])).toBe(0); // evicts b
    expect(lru.has('b')).toBe(false);
    expect(lru.readAll(['a', 'c', 'd'])).toBe(3);
    expect([lru.hits, lru.misses]).toEqual([4, 4]);
  });

  it('the pooled ideal with one cache per request stream equals a direct LRU replay', () => {
    const trace = generateTrace(graph200(), options);
    const lru = new Lru<string>(50);
    for (const r of trace.requests) lru.readAll(r.posts);
    expect(pooledHitRatio(trace.requests, 50)).toBeCloseTo(lru.hits / (lru.hits + lru.misses), 12);
  });
});

function graph200() {
  return generateGraph(200, 2000, 3);
}

describe('the closed loop per color', () => {
  it('never has two requests of a color in flight, keeps each color in trace order and respects the window', () => {
    const items = Array.from({ length: 300 }, (_, index) => ({
      index,
      color: `c${Math.floor(mulberry32(index)() * 5)}`,
    }));
    const loop = new ClosedLoopDispatcher(items, 4, 8);
    const random = mulberry32(2);
    const inFlight: (typeof items)[number][] = [];
    const seen: number[] = [];
    while (!loop.done) {
      for (let item = loop.next(); item; item = loop.next()) {
        expect(inFlight.some((i) => i.color === item!.color)).toBe(false);
        expect(inFlight.length).toBeLessThan(4);
        const oldestUnissued = items.findIndex((i) => !seen.includes(i.index));
        expect(item.index).toBeLessThan(oldestUnissued + 8);
        inFlight.push(item);
        seen.push(item.index);
      }
      const k = Math.floor(random() * inFlight.length);
      loop.complete(inFlight.splice(k, 1)[0]!);
    }
    for (const color of ['c0', 'c1', 'c2', 'c3', 'c4']) {
      const order = seen.filter((i) => items[i]!.color === color);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(seen).toHaveLength(300);
  });
});

describe('the simulation', () => {
  const trace = generateTrace(graph200(), options);

  it('gives one invoker the hit ratio of one LRU on the trace order', () => {
    for (const spec of [POLICY_SPECS[0]!, POLICY_SPECS[3]!]) {
      const result = simulate(trace, spec, {
        ...DEFAULT_SIM,
        releaseLag: 0,
        invokers: 1,
        concurrency: 1,
        window: 1,
      });
      expect(result.hitRatio).toBeCloseTo(pooledHitRatio(trace.requests, 25), 12);
      expect(result.containers).toBe(1);
    }
  });

  it('a release lag (result before log collection) makes back-to-back calls start a second container', () => {
    const result = simulate(trace, POLICY_SPECS[0]!, {
      ...DEFAULT_SIM,
      releaseLag: 0.5,
      clientLag: 0,
      invokers: 1,
      concurrency: 1,
      window: 1,
    });
    expect(result.containers).toBe(2);
    expect(result.hitRatio).toBeLessThan(pooledHitRatio(trace.requests, 25));
  });

  it('a client lag lets other colors take the container a color just freed', () => {
    const spec = POLICY_SPECS.find((s) => s.label === 'openwhisk-sharding')!;
    const run = (clientLag: number) =>
      simulate(trace, spec, { ...DEFAULT_SIM, clientLag, invokers: 4, concurrency: 4, window: 16 });
    // Sharding sends everything to one invoker; with no lag a color always gets its own container back.
    expect(run(0.5).hitRatio).toBeLessThan(run(0).hitRatio);
  });

  it('a slot lag (completion after the answer) makes bounded loads spill the next call of a color', () => {
    const spec = POLICY_SPECS.find((s) => s.label === 'bounded-loads')!;
    const run = (slotLag: number) =>
      simulate(trace, spec, { ...DEFAULT_SIM, slotLag, invokers: 4, concurrency: 4, window: 16 });
    expect(run(0.5).offHomeShare).toBeGreaterThan(run(0).offHomeShare);
  });

  it('bounded loads honor the floor: an invoker may always hold `boundFloor` calls', () => {
    const spec = POLICY_SPECS.find((s) => s.label === 'bounded-loads')!;
    const run = (boundFloor: number) =>
      simulate(trace, spec, {
        ...DEFAULT_SIM,
        boundFloor,
        slotLag: 0.5,
        invokers: 4,
        concurrency: 4,
        window: 16,
      });
    expect(run(0).offHomeShare).toBeGreaterThan(0);
    // With a floor as large as everything in flight, the bound never bites.
    expect(run(1000).offHomeShare).toBe(0);
    expect(run(1000).hitRatio).toBeCloseTo(
      simulate(
        trace,
        POLICY_SPECS.find((s) => s.label === 'consistent-hash')!,
        { ...DEFAULT_SIM, slotLag: 0.5, invokers: 4, concurrency: 4, window: 16 },
      ).hitRatio,
      12,
    );
  });

  it('colors beat random at 8 invokers and stay under the pooled ideal and the ceiling', () => {
    const sim = (label: string) =>
      simulate(
        trace,
        POLICY_SPECS.find((s) => s.label === label)!,
        { ...DEFAULT_SIM, invokers: 8, concurrency: 8, window: 32 },
      );
    const random = sim('random');
    const colored = sim('consistent-hash');
    const pooled = pooledHitRatio(issueOrder(trace, 8, 32, DEFAULT_SIM.seed), 200);
    expect(colored.hitRatio).toBeGreaterThan(2 * random.hitRatio);
    expect(colored.hitRatio).toBeLessThan(pooled);
    expect(pooled).toBeLessThan(trace.ceiling);
    expect(random.loads.reduce((a, b) => a + b, 0)).toBe(trace.requests.length);
    expect(sim('bounded-loads').maxMeanLoad).toBeLessThanOrEqual(colored.maxMeanLoad);
  });

  it('is deterministic', () => {
    const spec = POLICY_SPECS.find((s) => s.label === 'random')!;
    const a = simulate(trace, spec, { ...DEFAULT_SIM, invokers: 4, concurrency: 4, window: 16 });
    const b = simulate(trace, spec, { ...DEFAULT_SIM, invokers: 4, concurrency: 4, window: 16 });
    expect(b).toEqual(a);
  });
});
