/**
 * OpenWhisk's ShardingContainerPoolBalancer scheduling, ported exactly (core/controller/.../
 * loadBalancer/ShardingContainerPoolBalancer.scala: generateHash, pairwiseCoprimeNumbersUntil,
 * schedule). It ignores colors: it is what uncolored traffic gets by default, and the baseline the
 * paper compares against.
 *
 * - The invoker list is OpenWhisk's status vector: indexed by invoker number from 0 to the largest
 *   known, gaps filled with Offline placeholders. Managed actions use its first
 *   max(1, ceil(n x managedFraction)) entries (OpenWhisk's `managedInvokers`).
 * - hash = Int.abs(javaHashCode(user namespace name) ^ javaHashCode("<action path>/<action name>")).
 *   Scala's Int.abs keeps Int.MinValue negative; OpenWhisk would then index with a negative number
 *   and fail the request. We keep the 32-bit value and wrap the negative remainder into range.
 * - home = hash % n; step = pairwiseCoprimeNumbersUntil(n)(hash % stepSizes.size). Because the step
 *   is coprime with n, home, home+step, ... visits every invoker once before coming back.
 * - schedule: take the first probed invoker that is Healthy with room for the action's memory. After
 *   n + 2 probes (stepsDone == n + 1) a uniformly random Healthy invoker takes it anyway (forced).
 *
 * Concurrency > 1 (NestedSemaphore's shared containers) is not modelled: a request takes its memory.
 */
import { forcedDecision, javaStringHashCode, Members, type RandomSource } from '../common.js';
import type { Decision, InvokerView, PlacementRequest, Policy, StatusVectorSlice } from '../types.js';

export interface ShardingOptions {
  /** OpenWhisk's whisk.loadbalancer.managed-fraction; 1 (every invoker) unless the deployment separates blackbox invokers. */
  readonly managedFraction?: number;
  readonly random?: RandomSource;
}

/** Euclid's algorithm, as OpenWhisk's `gcd`. */
export function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Numbers in 1..x coprime with x and with each other (OpenWhisk's step sizes). */
export function pairwiseCoprimeNumbersUntil(x: number): number[] {
  const kept: number[] = [];
  for (let cur = 1; cur <= x; cur++) {
    if (gcd(cur, x) === 1 && kept.every((k) => gcd(k, cur) === 1)) kept.push(cur);
  }
  return kept;
}

/** OpenWhisk's generateHash: may be negative only for Int.MinValue, as in Scala. */
export function generateHash(namespace: string, action: string): number {
  const x = javaStringHashCode(namespace) ^ javaStringHashCode(action);
  return x < 0 ? -x | 0 : x;
}

/** Scala's `%` on the 32-bit hash, wrapped into [0, n) for the Int.MinValue case OpenWhisk fails on. */
function indexOf(hash: number, n: number): number {
  const r = hash % n;
  return r < 0 ? r + n : r;
}

/** The probe order OpenWhisk's schedule walks: n + 2 indexes, wrapping around once. */
export function probeOrder(
  hash: number,
  n: number,
  stepSizes: readonly number[] = pairwiseCoprimeNumbersUntil(n),
): number[] {
  const step = stepSizes[indexOf(hash, stepSizes.length)]!;
  const order: number[] = [];
  let index = indexOf(hash, n);
  for (let stepsDone = 0; stepsDone <= n + 1; stepsDone++) {
    order.push(index);
    index = (index + step) % n;
  }
  return order;
}

export class OpenWhiskShardingPolicy implements Policy {
  readonly name = 'openwhisk-sharding';
  private readonly managedFraction: number;
  private readonly random: RandomSource;
  private readonly members = new Members();
  /**
   * The managed slice of OpenWhisk's status vector (indexed by invoker id), as positions in the
   * view; -1 for the Offline placeholder of an id that is not a member. Rebuilt by `setMembers`.
   */
  private managed = new Int32Array(0);
  /** The managed members are the view's first `managedInView` entries (the view is ascending by id). */
  private managedInView = 0;
  private stepSizes: number[] = [];
  /** The status-vector slice from the last `setMembers`, and the id its first entry stands for. */
  private slice: StatusVectorSlice | undefined;
  private start = 0;

  constructor(options: ShardingOptions = {}) {
    this.managedFraction = Math.max(0, Math.min(1, options.managedFraction ?? 1));
    this.random = options.random ?? Math.random;
  }

  /**
   * Without `slice`: the status vector is ids 0 to the largest member, and managed actions use its
   * first max(1, ceil(n x managedFraction)) entries. With `slice` (pools.ts has already split
   * managed from blackbox invokers): the vector is exactly ids slice.start to slice.end - 1.
   */
  setMembers(ids: readonly number[], slice?: StatusVectorSlice): void {
    const changed = this.members.set(ids);
    const sameSlice = slice?.start === this.slice?.start && slice?.end === this.slice?.end;
    if (!changed && sameSlice && this.stepSizes.length > 0) return;
    this.slice = slice;
    const size = this.members.idLimit;
    const start = slice?.start ?? 0;
    const managedCount = slice
      ? Math.max(0, slice.end - slice.start)
      : size === 0
        ? 0
        : Math.max(1, Math.ceil(size * this.managedFraction));
    const managed = new Int32Array(managedCount);
    let inView = 0;
    for (let i = 0; i < managedCount; i++) {
      managed[i] = this.members.positionOf(start + i);
      if (managed[i]! >= 0) inView++;
    }
    // OpenWhisk recomputes step sizes only when the list size changes (the first time included).
    if (managedCount !== this.managed.length || this.stepSizes.length === 0) {
      this.stepSizes = pairwiseCoprimeNumbersUntil(managedCount);
    }
    this.managed = managed;
    this.managedInView = inView;
    this.start = start;
  }

  choose(request: PlacementRequest, view: readonly InvokerView[]): Decision | undefined {
    this.members.check(view);
    const managed = this.managed;
    const n = managed.length;
    if (n === 0) return undefined;
    const hash = generateHash(request.namespace, request.action);
    const homeIndex = indexOf(hash, n);
    const home = this.start + homeIndex;
    const step = this.stepSizes[indexOf(hash, this.stepSizes.length)]!;
    let index = homeIndex;
    for (let stepsDone = 0; stepsDone <= n + 1; stepsDone++) {
      const position = managed[index]!;
      // A placeholder (position -1) is Offline: OpenWhisk probes it and moves on.
      if (position >= 0) {
        const entry = view[position]!;
        if (entry.status === 'healthy' && entry.inFlightMB + request.memoryMB <= entry.capacityMB) {
          return { invoker: entry.id, home, forced: false, spilled: entry.id !== home };
        }
      }
      index = (index + step) % n;
    }
    return forcedDecision(view, home, this.random, this.managedInView);
  }

  /**
   * OpenWhisk's probe order over the managed invokers, each once, without the placeholders of
   * missing ids: it starts with the decision's home only when the home is a member. Members beyond
   * the managed fraction (OpenWhisk's blackbox invokers) are not in it: this policy never uses them.
   */
  order(request: PlacementRequest): number[] {
    const n = this.managed.length;
    if (n === 0) return [];
    const hash = generateHash(request.namespace, request.action);
    return probeOrder(hash, n, this.stepSizes)
      .slice(0, n)
      .filter((index) => this.managed[index]! >= 0)
      .map((index) => this.start + index);
  }

  /** OpenWhisk's managed status vector as ids, undefined for a placeholder (tests). */
  managedInvokers(): (number | undefined)[] {
    return [...this.managed].map((position, index) => (position >= 0 ? this.start + index : undefined));
  }
}
