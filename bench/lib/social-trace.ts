/**
 * The social-network workload of the Palette paper's cache experiment, pinned by DECISIONS.md:
 *
 * - Graph: an undirected friendship edge list (`u v` per line; socfb-Reed98 when available), or a
 *   generated graph with Reed98's size and degree profile (962 users, 18,812 friendships, degrees
 *   lognormal with sigma 0.8: mean 39, largest about 300), built Chung-Lu style from a fixed seed.
 * - Posts: every user has `postsPerUser` posts `post:<u>:<n>`, n = 0 (oldest) .. postsPerUser-1.
 *   Users get a fixed random "last active" order, so a user's newest post is newer than another's
 *   when that user was active later.
 * - ReadUserTimeline(u): u's `timelineLength` newest posts.
 * - ReadHomeTimeline(u): the newest post of each of up to `timelineLength` friends, the friends
 *   whose newest post is newest (DeathStarBench's home timeline is newest-first by timestamp).
 * - Requests: exactly half of each kind in a shuffled order; the requesting user is Zipf(exponent)
 *   over a fixed random ranking of users. The color is the requesting user.
 */
import { readFileSync } from 'node:fs';
import { mulberry32, normal, shuffle } from './random.js';
import { Zipf } from './zipf.js';

export interface Graph {
  readonly users: number;
  /** Sorted friend lists, both directions of every friendship. */
  readonly friends: readonly (readonly number[])[];
  readonly edges: number;
  readonly source: string;
}

export type RequestKind = 'user' | 'home';

export interface SocialRequest {
  readonly index: number;
  readonly kind: RequestKind;
  readonly user: number;
  /** The color the request carries: the requesting user. */
  readonly color: string;
  /** Post ids the timeline reads, in the order the action reads them. */
  readonly posts: readonly string[];
  /** For home timelines: the friends whose newest post is read (passed to the action). */
  readonly friends?: readonly number[];
}

export interface TraceOptions {
  readonly requests: number;
  readonly zipfExponent: number;
  readonly postsPerUser: number;
  readonly timelineLength: number;
  readonly seed: number;
}

export interface Trace {
  readonly options: TraceOptions;
  readonly graph: Graph;
  readonly requests: readonly SocialRequest[];
  /** Posts read in total (the denominator of every hit ratio). */
  readonly postReads: number;
  readonly distinctPosts: number;
  /** 1 - distinct posts / post reads: no cache can hit more often. */
  readonly ceiling: number;
  /** The user at each popularity rank (rank 0 is the hottest). */
  readonly ranking: readonly number[];
}

export const REED98_USERS = 962;
export const REED98_EDGES = 18_812;

export function graphFromEdges(text: string, source: string): Graph {
  const pairs: [number, number][] = [];
  let maxId = -1;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('%')) continue;
    const [a, b] = trimmed.split(/[\s,]+/).map(Number);
    if (!Number.isInteger(a) || !Number.isInteger(b) || a! < 0 || b! < 0) {
      throw new Error(`${source}: not an edge line "${trimmed}" (expected "u v" with user numbers)`);
    }
    pairs.push([a!, b!]);
    maxId = Math.max(maxId, a!, b!);
  }
  return buildGraph(maxId + 1, pairs, source);
}

export function loadGraph(path: string): Graph {
  return graphFromEdges(readFileSync(path, 'utf8'), path);
}

export function buildGraph(users: number, pairs: readonly [number, number][], source: string): Graph {
  const sets = Array.from({ length: users }, () => new Set<number>());
  for (const [a, b] of pairs) {
    if (a === b) continue;
    sets[a]!.add(b);
    sets[b]!.add(a);
  }
  const friends = sets.map((s) => [...s].sort((x, y) => x - y));
  const edges = friends.reduce((sum, f) => sum + f.length, 0) / 2;
  return { users, friends, edges, source };
}

/**
 * A graph with socfb-Reed98's size and degree profile: Chung-Lu (endpoints drawn in proportion to
 * a lognormal weight per user), adding distinct friendships until `edges` exist.
 */
export function generateGraph(users = REED98_USERS, edges = REED98_EDGES, seed = 98): Graph {
  const random = mulberry32(seed);
  const weights = Array.from({ length: users }, () => Math.exp(0.8 * normal(random)));
  const cdf = new Float64Array(users);
  let sum = 0;
  weights.forEach((w, i) => (cdf[i] = sum += w));
  const pick = () => {
    const u = random() * sum;
    let lo = 0;
    let hi = users - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  while (pairs.length < edges) {
    const a = pick();
    const b = pick();
    if (a === b) continue;
    const key = Math.min(a, b) * users + Math.max(a, b);
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push([a, b]);
  }
  return buildGraph(users, pairs, `generated (${users} users, ${edges} friendships, seed ${seed})`);
}

export const postId = (user: number, n: number): string => `post:${user}:${n}`;

export function generateTrace(graph: Graph, options: TraceOptions): Trace {
  const random = mulberry32(options.seed);
  const ranking = shuffle(
    Array.from({ length: graph.users }, (_, u) => u),
    random,
  );
  // lastActive[u]: higher = u's newest post is newer.
  const activeOrder = shuffle(
    Array.from({ length: graph.users }, (_, u) => u),
    random,
  );
  const lastActive = new Int32Array(graph.users);
  activeOrder.forEach((u, i) => (lastActive[u] = i));
  const newest = options.postsPerUser - 1;
  const userPosts = (u: number) => {
    const ids: string[] = [];
    for (let n = newest; n >= 0 && ids.length < options.timelineLength; n--) ids.push(postId(u, n));
    return ids;
  };
  const homeFriends = graph.friends.map((f) =>
    [...f].sort((a, b) => lastActive[b]! - lastActive[a]!).slice(0, options.timelineLength),
  );

  const half = Math.floor(options.requests / 2);
  const kinds: RequestKind[] = Array.from({ length: options.requests }, (_, i) =>
    i < half ? 'user' : 'home',
  );
  shuffle(kinds, random);
  const zipf = new Zipf(graph.users, options.zipfExponent);
  const requests: SocialRequest[] = [];
  const distinct = new Set<string>();
  let postReads = 0;
  for (let index = 0; index < options.requests; index++) {
    const user = ranking[zipf.sample(random)]!;
    const kind = kinds[index]!;
    const friends = kind === 'home' ? homeFriends[user]! : undefined;
    const posts = kind === 'user' ? userPosts(user) : friends!.map((f) => postId(f, newest));
    for (const p of posts) distinct.add(p);
    postReads += posts.length;
    requests.push({ index, kind, user, color: String(user), posts, ...(friends ? { friends } : {}) });
  }
  return {
    options,
    graph,
    requests,
    postReads,
    distinctPosts: distinct.size,
    ceiling: postReads === 0 ? 0 : 1 - distinct.size / postReads,
    ranking,
  };
}

/** The first `count` requests of a trace, with its totals recomputed (the small agreement run). */
export function tracePrefix(trace: Trace, count: number): Trace {
  const requests = trace.requests.slice(0, count);
  const distinct = new Set<string>();
  let postReads = 0;
  for (const r of requests) {
    postReads += r.posts.length;
    for (const p of r.posts) distinct.add(p);
  }
  return {
    ...trace,
    options: { ...trace.options, requests: requests.length },
    requests,
    postReads,
    distinctPosts: distinct.size,
    ceiling: postReads === 0 ? 0 : 1 - distinct.size / postReads,
  };
}
