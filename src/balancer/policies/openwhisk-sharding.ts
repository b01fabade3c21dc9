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
import { forcedDecision, javaStringHashCode, ViewIndex, type RandomSource } from '../common.js';
import type { Decision, InvokerView, PlacementRequest, Policy } from '../types.js';

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

const offline = (id: number): InvokerView => ({
  id,
  status: 'offline',
  capacityMB: 0,
  inFlightMB: 0,
  inFlight: 0,
});

export class OpenWhiskShardingPolicy implements Policy {
  readonly name = 'openwhisk-sharding';
  private readonly managedFraction: number;
  private readonly random: RandomSource;
  private readonly index = new ViewIndex();
  /** The managed slice of OpenWhisk's status vector, refreshed on every new view array. */
  private managed: InvokerView[] = [];
  private stepSizes: number[] = [];
  private lastArray: readonly InvokerView[] | undefined;
  private lastLength = -1;

  constructor(options: ShardingOptions = {}) {
    this.managedFraction = Math.max(0, Math.min(1, options.managedFraction ?? 1));
    this.random = options.random ?? Math.random;
  }

  choose(request: PlacementRequest, invokers: readonly InvokerView[]): Decision | undefined {
    this.refresh(invokers);
    const list = this.managed;
    const n = list.length;
    if (n === 0) return undefined;
    const hash = generateHash(request.namespace, request.action);
    const home = indexOf(hash, n);
    const step = this.stepSizes[indexOf(hash, this.stepSizes.length)]!;
    let index = home;
    for (let stepsDone = 0; stepsDone <= n + 1; stepsDone++) {
      const view = list[index]!;
      if (view.status === 'healthy' && view.inFlightMB + request.memoryMB <= view.capacityMB) {
        return { invoker: view.id, home, forced: false, spilled: view.id !== home };
      }
      index = (index + step) % n;
    }
    return forcedDecision(list, home, this.random);
  }

  /** The managed invokers (placeholders included) in OpenWhisk's order, for tests. */
  managedInvokers(invokers: readonly InvokerView[]): readonly InvokerView[] {
    this.refresh(invokers);
    return this.managed;
  }

  private refresh(invokers: readonly InvokerView[]): void {
    if (invokers === this.lastArray && invokers.length === this.lastLength) return;
    this.lastArray = invokers;
    this.lastLength = invokers.length;
    const before = this.index.generation;
    const lengthBefore = this.managed.length;
    this.index.sync(invokers);
    const size = this.index.idLimit;
    const managedCount = size === 0 ? 0 : Math.max(1, Math.ceil(size * this.managedFraction));
    const managed: InvokerView[] = new Array<InvokerView>(managedCount);
    for (let id = 0; id < managedCount; id++) managed[id] = this.index.viewOf(id) ?? offline(id);
    this.managed = managed;
    // OpenWhisk recomputes step sizes only when the list size changes.
    if (before !== this.index.generation || lengthBefore !== managedCount) {
      this.stepSizes = pairwiseCoprimeNumbersUntil(managedCount);
    }
  }
}
