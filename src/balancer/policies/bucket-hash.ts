/**
 * Bucket hashing (Redis Cluster's slots): a color hashes into one of 16,384 buckets, and a table
 * maps each bucket to an invoker. The table is balanced to within one bucket, and a membership
 * change moves only the buckets that must move:
 * - an invoker joins: it steals one bucket at a time from the fullest invoker (ties: lowest id;
 *   the bucket it took last) until no invoker holds more than one bucket above it;
 * - an invoker leaves: its buckets, in the order it got them, go one at a time to the emptiest
 *   invoker (ties: lowest id).
 *
 * No step is random, so replicas that see the same membership changes hold the same table. A fresh
 * table is built by joining the invokers one by one in ascending id order, so a replica that
 * starts later agrees with one that watched invokers join in id order (the usual way a cluster
 * grows). A replica that saw a removal and one that started after it can hold different tables:
 * `bucketTable()` / `adoptTable()` let the controller share one table if it needs exact agreement.
 *
 * Preference order for a color (skipping unhealthy or full invokers, bounded loads): the owners of
 * buckets b, b+s, b+2s, ... (mod 16,384) with an odd stride s taken from other bits of the color's
 * hash, so the overflow of one invoker spreads over all others instead of piling onto a neighbour.
 */
import {
  decideInOrder,
  Members,
  placementKey,
  stableHash32,
  VisitedInvokers,
  walkOrder,
  type CandidateSearch,
  type OrderedPolicy,
  type RandomSource,
} from '../common.js';
import type { Decision, InvokerView, PlacementRequest } from '../types.js';

export const BUCKETS = 16_384;
const BUCKET_MASK = BUCKETS - 1;
const UNASSIGNED = 0xffff;

export class BucketHashPolicy implements OrderedPolicy {
  readonly name = 'bucket-hash';
  private readonly random: RandomSource;
  private readonly members = new Members();
  private readonly table = new Uint16Array(BUCKETS).fill(UNASSIGNED);
  /** Buckets each member owns, in the order it got them. */
  private readonly owned = new Map<number, number[]>();
  private readonly visited = new VisitedInvokers();
  /** Buckets moved by membership changes since construction (a fresh build counts none). */
  bucketMoves = 0;

  constructor(options: { random?: RandomSource } = {}) {
    this.random = options.random ?? Math.random;
  }

  /** Moves the buckets that must move when the set of invoker ids changed (see the header). */
  setMembers(ids: readonly number[]): void {
    if (!this.members.set(ids)) return;
    const next = new Set(this.members.ids);
    const fresh = this.owned.size === 0;
    const leaving = [...this.owned.keys()].filter((id) => !next.has(id)).sort((a, b) => a - b);
    for (const id of leaving) this.leave(id);
    for (const id of this.members.ids) if (!this.owned.has(id)) this.join(id, fresh);
    this.visited.resize(this.members.idLimit);
  }

  choose(request: PlacementRequest, view: readonly InvokerView[]): Decision | undefined {
    return decideInOrder(this, request, view, this.random);
  }

  /** The owners of the request's bucket walk (b, b+s, b+2s, ...), each once. */
  order(request: PlacementRequest): number[] {
    return walkOrder(this, request, this.members);
  }

  homeView(request: PlacementRequest, view: readonly InvokerView[]): InvokerView | undefined {
    this.members.check(view);
    if (this.owned.size === 0) return undefined;
    return this.members.viewOf(view, this.table[stableHash32(placementKey(request)) & BUCKET_MASK]!);
  }

  search(
    request: PlacementRequest,
    view: readonly InvokerView[],
    accept: (view: InvokerView, request: PlacementRequest) => boolean,
  ): CandidateSearch | undefined {
    const members = this.members;
    members.check(view);
    const n = this.owned.size;
    if (n === 0) return undefined;
    const h = stableHash32(placementKey(request));
    let bucket = h & BUCKET_MASK;
    const table = this.table;
    const home = table[bucket]!;
    if (accept(members.viewOf(view, home), request)) return { home, chosen: home };
    const stride = ((h >>> 14) | 1) & BUCKET_MASK;
    const visited = this.visited;
    visited.begin(home);
    let distinct = 1;
    // An odd stride is coprime with 2^14, so the walk visits every bucket, hence every owner.
    for (let step = 1; step < BUCKETS && distinct < n; step++) {
      bucket = (bucket + stride) & BUCKET_MASK;
      const id = table[bucket]!;
      if (!visited.visit(id)) continue;
      distinct++;
      if (accept(members.viewOf(view, id), request)) return { home, chosen: id };
    }
    return { home, chosen: -1 };
  }

  /** The bucket a key hashes to. */
  static bucketOf(key: string): number {
    return stableHash32(key) & BUCKET_MASK;
  }

  /** A copy of the bucket -> invoker table for the current members. */
  bucketTable(): Uint16Array {
    return this.table.slice();
  }

  /** Buckets held per invoker id. */
  bucketCounts(): Map<number, number> {
    return new Map([...this.owned].map(([id, buckets]) => [id, buckets.length]));
  }

  /**
   * Replaces the table with one shared by another replica. Every bucket must name a member (call
   * `setMembers` first); the per-invoker order used by later moves becomes ascending bucket order.
   */
  adoptTable(table: ArrayLike<number>): void {
    if (table.length !== BUCKETS)
      throw new RangeError(`a bucket table has ${BUCKETS} entries, got ${table.length}`);
    const owned = new Map<number, number[]>(this.members.ids.map((id) => [id, []]));
    for (let b = 0; b < BUCKETS; b++) {
      const list = owned.get(table[b]!);
      if (list === undefined)
        throw new RangeError(`bucket ${b} names invoker ${table[b]}, which is not a member`);
      list.push(b);
    }
    this.owned.clear();
    for (const [id, list] of owned) {
      this.owned.set(id, list);
      for (const b of list) this.table[b] = id;
    }
  }

  private join(id: number, fresh: boolean): void {
    const mine: number[] = [];
    if (this.owned.size === 0) {
      for (let b = 0; b < BUCKETS; b++) mine.push(b);
      this.table.fill(id);
      this.owned.set(id, mine);
      if (!fresh) this.bucketMoves += BUCKETS;
      return;
    }
    this.owned.set(id, mine);
    for (;;) {
      const [, theirs] = this.extreme('fullest');
      if (theirs.length - mine.length <= 1) break;
      const bucket = theirs.pop()!;
      mine.push(bucket);
      this.table[bucket] = id;
      if (!fresh) this.bucketMoves++;
    }
  }

  private leave(id: number): void {
    const orphans = this.owned.get(id)!;
    this.owned.delete(id);
    if (this.owned.size === 0) {
      this.table.fill(UNASSIGNED);
      return;
    }
    for (const bucket of orphans) {
      const [emptiest, theirs] = this.extreme('emptiest');
      theirs.push(bucket);
      this.table[bucket] = emptiest;
      this.bucketMoves++;
    }
  }

  /** The fullest or emptiest member, ties to the lowest id (Map order is not id order). */
  private extreme(which: 'fullest' | 'emptiest'): [number, number[]] {
    let bestId = -1;
    let best: number[] = [];
    for (const [id, list] of this.owned) {
      const better =
        bestId === -1 ||
        (which === 'fullest' ? list.length > best.length : list.length < best.length) ||
        (list.length === best.length && id < bestId);
      if (better) {
        bestId = id;
        best = list;
      }
    }
    return [bestId, best];
  }
}
