/**
 * Consistent hashing: every invoker owns ~1,000 points on a ring of RING_RANGE positions; a color
 * hashes to a position and belongs to the owner of the next point clockwise. Adding or removing
 * one of N invokers moves about 1/N of the colors, and only to or from that invoker.
 *
 * Every process must build the same ring from the same invoker set, so nothing here is random:
 * - An invoker's points come from a stable hash of its name, `invoker<N>` (the package's own
 *   `add` default draws them with Math.random, which would give every replica a different ring).
 * - Two invokers whose points collide: the lower id owns the point, whatever the insertion order.
 *   That keeps the minimal-move property exact (a new invoker only ever takes points).
 * - Colors are placed with stableHash32, not the package's 24-bit PJW hash, which its own comments
 *   say is skewed for similar strings (`user1`, `user2`, ... are typical colors).
 *
 * The `consistent-hash` package owns the ring: invokers are added to and removed from it only when
 * the invoker set changes (`setMembers`). From its points we then build a sorted Uint32Array with a
 * jump table, so a lookup is one hash, one table read and a short scan, with no allocation. The preference order
 * for a color (for skipping unhealthy or full invokers, and for bounded loads) is the distinct
 * owners met walking clockwise from its position: skipping an invoker sends its colors exactly
 * where removing it from the ring would.
 */
import ConsistentHash from 'consistent-hash';
import {
  decideInOrder,
  fmix32,
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

/** The largest prime below 2^28: far more positions than points, so collisions stay rare. */
export const RING_RANGE = 268_435_399;
export const POINTS_PER_INVOKER = 1000;
const TO_RING = RING_RANGE / 0x1_0000_0000;
/**
 * Lookup resolution: the ring is cut into RING_RANGE >>> JUMP_SHIFT + 1 (2^17) slots. A slot with no
 * point in it has one owner for all its positions, kept in `direct` (256 KB: stays in cache); that
 * answers 83% of lookups at 24 invokers and 61% at 64. Other slots scan from `jump`.
 */
const JUMP_SHIFT = 11;
/** `direct` value for a slot that holds points: scan instead. Invoker ids stop at 65,534. */
const MIXED = 0xffff;

/** The ring positions of invoker `id`'s points: a pure function of its name `invoker<id>`. */
export function controlPoints(id: number, count = POINTS_PER_INVOKER): number[] {
  const seed = stableHash32(`invoker${id}`);
  const points: number[] = [];
  for (let i = 0; i < count; i++) {
    // fmix32 is a bijection, so distinct counters give distinct 32-bit values before scaling.
    const x = fmix32((seed + Math.imul(i + 1, 0x9e3779b9)) | 0);
    points.push(Math.floor(x * TO_RING));
  }
  return points;
}

/** Where a key lands on the ring: its 32-bit hash scaled to [0, RING_RANGE) (a multiply, not a double modulo). */
export function ringPosition(key: string): number {
  return Math.floor(stableHash32(key) * TO_RING);
}

/** The lookup arrays built from the package's ring. */
export interface RingTable {
  /** Distinct point positions, ascending. */
  readonly positions: Uint32Array;
  /** Owner invoker id of each position (the lowest id among colliding points). */
  readonly owners: Uint16Array;
  /** jump[s] = index of the first position >= s << JUMP_SHIFT. */
  readonly jump: Uint32Array;
  /** direct[s] = owner of every position in slot s, or MIXED when the slot holds a point. */
  readonly direct: Uint16Array;
}

export class ConsistentHashPolicy implements OrderedPolicy {
  readonly name = 'consistent-hash';
  private readonly random: RandomSource;
  private readonly pointsPerInvoker: number;
  private readonly members = new Members();
  private readonly ring: ConsistentHash<number>;
  private table: RingTable = buildTable(new ConsistentHash<number>({ range: RING_RANGE }));
  private readonly visited = new VisitedInvokers();
  /** How many times the ring was rebuilt (membership changes seen). */
  rebuilds = 0;

  constructor(options: { random?: RandomSource; pointsPerInvoker?: number } = {}) {
    this.random = options.random ?? Math.random;
    this.pointsPerInvoker = options.pointsPerInvoker ?? POINTS_PER_INVOKER;
    this.ring = new ConsistentHash<number>({ range: RING_RANGE });
  }

  /** Rebuilds the ring when the set of invoker ids changed. */
  setMembers(ids: readonly number[]): void {
    const previous = this.members.ids;
    if (!this.members.set(ids)) return;
    const next = this.members.ids;
    const nextSet = new Set(next);
    const previousSet = new Set(previous);
    for (const id of previous) if (!nextSet.has(id)) this.ring.remove(id);
    // The package's remove() drops its point map until the next read, and an add() before that read
    // would write into the dropped map: read once (any node) so it is rebuilt now.
    this.ring.getPoints(-1);
    for (const id of next) {
      if (!previousSet.has(id))
        this.ring.add(id, this.pointsPerInvoker, controlPoints(id, this.pointsPerInvoker));
    }
    this.table = buildTable(this.ring);
    this.visited.resize(this.members.idLimit);
    this.rebuilds++;
  }

  choose(request: PlacementRequest, view: readonly InvokerView[]): Decision | undefined {
    return decideInOrder(this, request, view, this.random);
  }

  /** The owners met walking clockwise from the request's position, each once. */
  order(request: PlacementRequest): number[] {
    return walkOrder(this, request, this.members);
  }

  /** The owner of a key's position, ignoring health and load. Undefined without members. */
  home(key: string): number | undefined {
    return this.table.owners.length === 0 ? undefined : this.ownerAt(ringPosition(key));
  }

  homeView(request: PlacementRequest, view: readonly InvokerView[]): InvokerView | undefined {
    this.members.check(view);
    if (this.table.owners.length === 0) return undefined;
    return this.members.viewOf(view, this.ownerAt(ringPosition(placementKey(request))));
  }

  search(
    request: PlacementRequest,
    view: readonly InvokerView[],
    accept: (view: InvokerView, request: PlacementRequest) => boolean,
  ): CandidateSearch | undefined {
    const members = this.members;
    members.check(view);
    const { owners } = this.table;
    const len = owners.length;
    if (len === 0) return undefined;
    const start = this.locate(ringPosition(placementKey(request)));
    const home = owners[start]!;
    if (accept(members.viewOf(view, home), request)) return { home, chosen: home };
    const n = members.size;
    const visited = this.visited;
    visited.begin(home);
    let distinct = 1;
    for (let step = 1, i = start + 1; step < len && distinct < n; step++, i++) {
      if (i === len) i = 0;
      const id = owners[i]!;
      if (!visited.visit(id)) continue;
      distinct++;
      if (accept(members.viewOf(view, id), request)) return { home, chosen: id };
    }
    return { home, chosen: -1 };
  }

  /** The package's ring (read-only use: tests compare it with the lookup table). */
  packageRing(): ConsistentHash<number> {
    return this.ring;
  }

  /** The lookup table for the current members (tests, diagnostics). */
  ringTable(): RingTable {
    return this.table;
  }

  /** The owner of `position`; the ring must not be empty. */
  private ownerAt(position: number): number {
    const owner = this.table.direct[position >>> JUMP_SHIFT]!;
    return owner !== MIXED ? owner : this.table.owners[this.locate(position)]!;
  }

  private locate(position: number): number {
    const { positions, jump } = this.table;
    let i = jump[position >>> JUMP_SHIFT]!;
    const len = positions.length;
    while (i < len && positions[i]! < position) i++;
    return i === len ? 0 : i;
  }
}

/** Sorts the package's points into lookup arrays; a position claimed twice goes to the lower id. */
export function buildTable(ring: ConsistentHash<number>): RingTable {
  const nodes = ring.getNodes();
  const lists = nodes.map((id) => ring.getPoints(id) ?? []);
  const packed = new Float64Array(lists.reduce((sum, l) => sum + l.length, 0));
  let k = 0;
  nodes.forEach((id, n) => {
    // position * 2^16 + id is exact in a double (< 2^44) and sorts by position, then id.
    for (const p of lists[n]!) packed[k++] = p * 65536 + id;
  });
  packed.sort();
  const positions = new Uint32Array(packed.length);
  const owners = new Uint16Array(packed.length);
  let len = 0;
  for (let i = 0; i < packed.length; i++) {
    const position = Math.floor(packed[i]! / 65536);
    if (len > 0 && positions[len - 1] === position) continue;
    positions[len] = position;
    owners[len++] = packed[i]! - position * 65536;
  }
  const slots = (RING_RANGE >>> JUMP_SHIFT) + 1;
  const jump = new Uint32Array(slots);
  const direct = new Uint16Array(slots).fill(MIXED);
  let i = 0;
  for (let s = 0; s < slots; s++) {
    const slotStart = s << JUMP_SHIFT;
    while (i < len && positions[i]! < slotStart) i++;
    jump[s] = i;
    const next = i < len ? i : 0;
    const slotEnd = slotStart + (1 << JUMP_SHIFT);
    if (len > 0 && (i === len || positions[i]! >= slotEnd)) direct[s] = owners[next]!;
  }
  return { positions: positions.slice(0, len), owners: owners.slice(0, len), jump, direct };
}
