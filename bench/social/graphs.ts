/**
 * Second, generated graphs for the social experiment (issue 17: the planner must not be fitted to
 * socfb-Reed98). Both seeded, 10,000 users and about 100,000 friendships by default:
 *
 * - `sbm`: a degree-corrected stochastic block model. Users fall into communities of lognormal
 *   size (median 100, 20..1,000), each user has a lognormal degree weight (sigma 0.8, as the Reed98
 *   stand-in); an edge's first end is drawn by weight from everyone, its second by weight from the
 *   first's community with probability `inside` (0.8), else from everyone. Community membership is
 *   shuffled over the user numbers, so no partitioner gains from reading users in number order.
 * - `ba`: preferential attachment (Barabási-Albert, m = 10): each new user befriends 10 distinct
 *   earlier users with probability proportional to their degree. Hubs, no communities: the case
 *   where co-access placement has the least to find.
 */
import { mulberry32, normal, shuffle } from '../lib/random.js';
import { buildGraph, type Graph } from '../lib/social-trace.js';

export type GeneratedModel = 'sbm' | 'ba';

export interface GeneratedOptions {
  readonly users?: number;
  /** Mean degree (sbm) or 2 x m (ba). Default 20. */
  readonly meanDegree?: number;
  /** sbm: share of edges inside the first end's community. Default 0.8. */
  readonly inside?: number;
  readonly seed?: number;
}

export function generatedGraph(model: GeneratedModel, options: GeneratedOptions = {}): Graph {
  const users = options.users ?? 10_000;
  const meanDegree = options.meanDegree ?? 20;
  const seed = options.seed ?? 17;
  return model === 'sbm'
    ? stochasticBlocks(users, meanDegree, options.inside ?? 0.8, seed)
    : preferentialAttachment(users, Math.max(1, Math.round(meanDegree / 2)), seed);
}

/** Draws an index in proportion to `weights` through a cumulative array. */
class WeightedPick {
  private readonly cdf: Float64Array;
  constructor(
    private readonly members: readonly number[],
    weight: (u: number) => number,
  ) {
    this.cdf = new Float64Array(members.length);
    let sum = 0;
    members.forEach((u, i) => (this.cdf[i] = sum += weight(u)));
  }
  pick(random: () => number): number {
    const x = random() * this.cdf[this.cdf.length - 1]!;
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return this.members[lo]!;
  }
}

function stochasticBlocks(users: number, meanDegree: number, inside: number, seed: number): Graph {
  const random = mulberry32(seed);
  const order = shuffle(
    Array.from({ length: users }, (_, u) => u),
    random,
  );
  const communities: number[][] = [];
  for (let at = 0; at < users;) {
    const size = Math.min(
      users - at,
      Math.max(20, Math.min(1000, Math.round(100 * Math.exp(0.7 * normal(random))))),
    );
    communities.push(order.slice(at, at + size));
    at += size;
  }
  const communityOf = new Int32Array(users);
  communities.forEach((members, c) => members.forEach((u) => (communityOf[u] = c)));
  const weights = Float64Array.from({ length: users }, () => Math.exp(0.8 * normal(random)));
  const everyone = new WeightedPick(
    Array.from({ length: users }, (_, u) => u),
    (u) => weights[u]!,
  );
  const within = communities.map((members) => new WeightedPick(members, (u) => weights[u]!));
  const edges = Math.round((users * meanDegree) / 2);
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  while (pairs.length < edges) {
    const a = everyone.pick(random);
    const b = random() < inside ? within[communityOf[a]!]!.pick(random) : everyone.pick(random);
    if (a === b) continue;
    const key = Math.min(a, b) * users + Math.max(a, b);
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push([a, b]);
  }
  return buildGraph(
    users,
    pairs,
    `generated stochastic block model (${users} users, ${communities.length} communities, ${edges} friendships, ${Math.round(inside * 100)}% inside, seed ${seed})`,
  );
}

function preferentialAttachment(users: number, m: number, seed: number): Graph {
  const random = mulberry32(seed);
  const pairs: [number, number][] = [];
  // Every edge's two ends: drawing from it is drawing in proportion to degree.
  const ends: number[] = [];
  const core = Math.min(users, m + 1);
  for (let a = 0; a < core; a++) {
    for (let b = a + 1; b < core; b++) {
      pairs.push([a, b]);
      ends.push(a, b);
    }
  }
  for (let u = core; u < users; u++) {
    const chosen = new Set<number>();
    while (chosen.size < m) chosen.add(ends[Math.floor(random() * ends.length)]!);
    for (const v of chosen) {
      pairs.push([u, v]);
      ends.push(u, v);
    }
  }
  return buildGraph(
    users,
    pairs,
    `generated preferential attachment (${users} users, m = ${m}, ${pairs.length} friendships, seed ${seed})`,
  );
}
