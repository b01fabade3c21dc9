/**
 * Rate-weighted graph partitioning: a one-pass streaming partitioner of the LDG class (Stanton and
 * Kliot, KDD 2012) followed by a few refinement passes of greedy, capacity-respecting moves.
 *
 * - Capacity: C = capacityFactor x (total node weight / parts). A node goes to a part only while
 *   the part's load plus its weight stays within C. A node that fits nowhere goes to the least
 *   loaded part, whose load is at most the mean, so no part ever exceeds max(C, mean + the
 *   heaviest node's weight): a single color hotter than C cannot be split by placement (that is
 *   what replication is for).
 * - Stream order: breadth-first over the graph, starting from the heaviest unplaced node (ties in
 *   a seeded random order), so neighbours arrive while their friends are being placed and hot
 *   colors are placed while there is still room.
 * - Streaming score (LDG): placed-neighbour edge weight in the part x (1 - load / C); no placed
 *   neighbour: the least loaded part.
 * - Refinement: each pass visits the nodes in stream order and moves a node to the part holding
 *   the most of its edge weight when that is strictly more than its own part holds and the node
 *   fits; with equal edge weight it moves only to make the pair of loads more even. Both moves
 *   strictly improve (cut weight, then the sum of squared loads), so passes converge.
 */
import type { CompactGraph } from './graph.js';

export interface PartitionOptions {
  readonly parts: number;
  readonly capacityFactor: number;
  readonly seed: number;
  readonly passes: number;
  /** Nodes placed beforehand (node index -> part): they stay, and count no load of their own. */
  readonly fixed?: ReadonlyMap<number, number>;
  /** Load a part carries before any node is placed (what fixed nodes or replicas will bring). */
  readonly preload?: ArrayLike<number>;
}

export interface Partition {
  /** Part of each node. */
  readonly part: Int32Array;
  readonly load: Float64Array;
  readonly capacity: number;
  /** Nodes moved by the refinement passes, per pass. */
  readonly moves: readonly number[];
}

/** mulberry32: a small seeded generator, so a plan is the same for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Node indices in stream order: BFS from the heaviest unplaced node, ties seeded. */
export function streamOrder(graph: CompactGraph, weights: Float64Array, seed: number): Int32Array {
  const n = weights.length;
  const random = seededRandom(seed);
  const tie = new Float64Array(n);
  for (let i = 0; i < n; i++) tie[i] = random();
  const byWeight = Int32Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => weights[y]! - weights[x]! || tie[x]! - tie[y]!,
  );
  const order = new Int32Array(n);
  const seen = new Uint8Array(n);
  let head = 0;
  let tail = 0;
  for (const root of byWeight) {
    if (seen[root]) continue;
    seen[root] = 1;
    order[tail++] = root;
    while (head < tail) {
      const v = order[head++]!;
      for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) {
        const u = graph.neighbours[e]!;
        if (!seen[u]) {
          seen[u] = 1;
          order[tail++] = u;
        }
      }
    }
  }
  return order;
}

export function partition(graph: CompactGraph, options: PartitionOptions): Partition {
  const { parts, capacityFactor, passes } = options;
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError('parts must be a positive integer');
  if (!(capacityFactor >= 1)) throw new RangeError('capacityFactor must be >= 1');
  const n = graph.ids.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += graph.nodeWeight[i]!;
  // Without any rate every color counts the same.
  let weights = total > 0 ? graph.nodeWeight : new Float64Array(n).fill(1);
  if (total <= 0) total = n;
  const fixed = options.fixed ?? new Map<number, number>();
  if (fixed.size > 0) {
    weights = weights.slice();
    for (const v of fixed.keys()) {
      total -= weights[v]!;
      weights[v] = 0;
    }
  }
  const load = new Float64Array(parts);
  for (let p = 0; p < parts; p++) load[p] = options.preload?.[p] ?? 0;
  for (let p = 0; p < parts; p++) total += load[p]!;
  const capacity = (capacityFactor * total) / parts;
  const part = new Int32Array(n).fill(-1);
  for (const [v, p] of fixed) {
    if (!(p >= 0 && p < parts)) throw new RangeError(`fixed part ${p} out of range`);
    part[v] = p;
  }
  const conn = new Float64Array(parts);
  const touched = new Int32Array(parts);
  const order = streamOrder(graph, weights, options.seed);

  /** Sums v's edge weight per part into `conn`; returns how many parts were touched. */
  const connect = (v: number): number => {
    let count = 0;
    for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) {
      const p = part[graph.neighbours[e]!]!;
      if (p < 0) continue;
      if (conn[p] === 0) touched[count++] = p;
      conn[p] = conn[p]! + graph.edgeWeight[e]! + 1e-12;
    }
    return count;
  };
  const clear = (count: number) => {
    for (let t = 0; t < count; t++) conn[touched[t]!] = 0;
  };
  const leastLoaded = (except = -1): number => {
    let best = -1;
    for (let p = 0; p < parts; p++) if (p !== except && (best < 0 || load[p]! < load[best]!)) best = p;
    return best;
  };

  for (const v of order) {
    if (part[v]! >= 0) continue;
    const w = weights[v]!;
    const count = connect(v);
    let best = -1;
    let bestScore = 0;
    for (let t = 0; t < count; t++) {
      const p = touched[t]!;
      if (load[p]! + w > capacity) continue;
      const score = conn[p]! * (1 - load[p]! / capacity);
      if (score > bestScore || (score === bestScore && best >= 0 && load[p]! < load[best]!)) {
        best = p;
        bestScore = score;
      }
    }
    clear(count);
    if (best < 0) best = leastLoaded();
    part[v] = best;
    load[best] = load[best]! + w;
  }

  const moves: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    let moved = 0;
    for (const v of order) {
      if (fixed.has(v)) continue;
      const w = weights[v]!;
      const own = part[v]!;
      const count = connect(v);
      const ownConn = conn[own]!;
      let best = -1;
      for (let t = 0; t < count; t++) {
        const p = touched[t]!;
        if (p === own || load[p]! + w > capacity) continue;
        const gain = conn[p]! - ownConn;
        const evener = load[p]! + w < load[own]!;
        if (gain > 1e-9 || (Math.abs(gain) <= 1e-9 && evener)) {
          if (best < 0 || conn[p]! > conn[best]! || (conn[p] === conn[best] && load[p]! < load[best]!))
            best = p;
        }
      }
      clear(count);
      if (best < 0 && ownConn === 0) {
        const p = leastLoaded(own);
        if (p >= 0 && load[p]! + w < load[own]! && load[p]! + w <= capacity) best = p;
      }
      if (best >= 0) {
        load[own] = load[own]! - w;
        load[best] = load[best]! + w;
        part[v] = best;
        moved++;
      }
    }
    moves.push(moved);
    if (moved === 0) break;
  }
  return { part, load, capacity, moves };
}
