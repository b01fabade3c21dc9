/**
 * The in-process simulation of the social-network experiment: the same trace, the production
 * policies (createPolicy from src/balancer), and a model of what the platform does around them.
 *
 * Model (a discrete-event simulation; time in units of one warm request):
 * - Load: the controller's view as LoadTracker keeps it. Every invoker is healthy with
 *   `capacityMB` (2,048 MB, the invoker default) and each timeline activation takes `memoryMB`
 *   (256 MB, the action default), so 8 in flight fill an invoker. A decision sees the in-flight
 *   counts of the requests issued and not yet answered; the policy's answer is accounted at once.
 * - Replay: the closed loop per color with `concurrency` requests in flight (ClosedLoopDispatcher,
 *   shared with the platform run).
 * - Invoker: OpenWhisk's container pool (src/invoker/container-pool.ts): a request takes the most
 *   recently used idle container of the action; if none is idle it starts a new container (cold,
 *   empty cache) while memory allows; otherwise it waits in FIFO order. Containers are never
 *   removed (the idle timeout, 10 minutes, outlasts a run).
 * - Cache: each container keeps its own LRU of `cacheSize` posts and reads a timeline as the action
 *   does (look every post up, then fetch and insert the misses).
 * - Service time: a seeded jitter in [0.5, 1.5) per request, plus `missCost` when the request had to
 *   fetch from CouchDB, plus `coldStart` for the request that starts a container.
 * - Release lags: the invoker sends a blocking result before it reads the container's output
 *   (logs); it frees the container once that is read (`releaseLag` units after the answer), and
 *   sends the completion that frees the controller's slot after that (`slotLag`). A color's next
 *   request that arrives sooner finds its container busy (it then runs in another container, with
 *   another cache) or the controller still counting it in flight. The client's round trip
 *   (`clientLag`: answer to the color's next request at the controller) lets other colors take
 *   the freed container first. Calibrated against the platform at 4 invokers (results/social).
 */
import { createPolicy } from '../../src/balancer/index.js';
import type {
  InvokerStatus,
  InvokerView,
  PlacementRequest,
  Policy,
  PolicyName,
} from '../../src/balancer/types.js';
import { ClosedLoopDispatcher } from './closed-loop.js';
import { Heap } from './heap.js';
import { Lru } from './lru.js';
import { mulberry32 } from './random.js';
import type { SocialRequest, Trace } from './social-trace.js';

export interface PolicySpec {
  /** Shown in tables: the policy name, or `bounded-loads` for consistent hashing within 1.25. */
  readonly label: string;
  readonly policy: PolicyName;
  /** PALETTE_BOUND for the run: 0 = off. */
  readonly bound: number;
  /**
   * Builds the run's policy instead of createPolicy(policy, bound): co-access pins and replication
   * (bench/lib/social-locality.ts). Given the trace, so a plan can count its rates.
   */
  readonly make?: (trace: Trace, options: SimOptions) => Policy;
  /**
   * The same run on the platform (bench/social/platform-run.ts): PALETTE_REPLICATION, and the
   * co-access plan to pin for the guest namespace before the controller starts. Absent: the
   * paper's rows (replication off, no pins).
   */
  readonly platform?: {
    readonly replication: boolean;
    readonly pins?: (trace: Trace, invokers: number) => Iterable<readonly [string, number]>;
  };
}

export const POLICY_SPECS: readonly PolicySpec[] = [
  { label: 'random', policy: 'random', bound: 0 },
  { label: 'round-robin', policy: 'round-robin', bound: 0 },
  { label: 'openwhisk-sharding', policy: 'openwhisk-sharding', bound: 0 },
  { label: 'consistent-hash', policy: 'consistent-hash', bound: 0 },
  { label: 'bucket-hash', policy: 'bucket-hash', bound: 0 },
  { label: 'least-assigned', policy: 'least-assigned', bound: 0 },
  { label: 'bounded-loads', policy: 'consistent-hash', bound: 1.25 },
];

export interface SimOptions {
  readonly invokers: number;
  readonly concurrency: number;
  /** The closed loop's look-ahead window in trace positions (ClosedLoopDispatcher). */
  readonly window: number;
  readonly cacheSize: number;
  readonly capacityMB: number;
  readonly memoryMB: number;
  readonly missCost: number;
  readonly coldStart: number;
  /** Answer to container free. */
  readonly releaseLag: number;
  /** Answer to the controller's slot free (the completion ack). */
  readonly slotLag: number;
  /** Answer to the color's next request reaching the platform (the client's round trip). */
  readonly clientLag: number;
  /** Bounded loads' floor (PALETTE_BOUND_FLOOR): in-flight activations an invoker may always hold. */
  readonly boundFloor: number;
  readonly seed: number;
}

export const DEFAULT_SIM: Omit<SimOptions, 'invokers' | 'concurrency' | 'window'> = {
  cacheSize: 25,
  capacityMB: 2048,
  memoryMB: 256,
  // Measured on the platform (one invoker, blocking invokes): a warm all-hit timeline ~2-3 ms,
  // +4.5 ms when it fetches from CouchDB, ~110-300 ms for the request that starts a container.
  missCost: 1.5,
  coldStart: 50,
  // Since the invoker frees the container once its output is read, both are done before the
  // client's next call arrives; the client's round trip is about half a warm request. Fitted at
  // 4 invokers (3,000 requests: |difference| <= 0.7 points for every policy), checked at 24.
  releaseLag: 0,
  slotLag: 0,
  clientLag: 0.5,
  // The platform's default (src/platform/config.ts); the platform run checks they agree.
  boundFloor: 2,
  seed: 7,
};

/** What one policy did on one trace, from the simulation or from the platform. */
export interface RunResult {
  readonly label: string;
  readonly invokers: number;
  readonly requests: number;
  readonly hits: number;
  readonly postReads: number;
  readonly hitRatio: number;
  /** Requests per invoker. */
  readonly loads: readonly number[];
  readonly maxMeanLoad: number;
  readonly offHomeShare: number;
  /** Timeline containers started (cold starts). */
  readonly containers: number;
  /** Share of friendships whose two users' colors have the same home invoker. */
  readonly edgeLocality?: number;
  readonly source: 'simulation' | 'platform';
  readonly seconds?: number;
  /** Platform: activations placed by the co-access plan's pin, and by replication (palette_activations_placed_by_total). */
  readonly planned?: number;
  readonly replica?: number;
}

export function summarize(
  label: string,
  source: RunResult['source'],
  hits: number,
  postReads: number,
  loads: readonly number[],
  offHome: number,
  containers: number,
  seconds?: number,
): RunResult {
  const requests = loads.reduce((a, b) => a + b, 0);
  const mean = requests / loads.length;
  return {
    label,
    invokers: loads.length,
    requests,
    hits,
    postReads,
    hitRatio: postReads === 0 ? 0 : hits / postReads,
    loads,
    maxMeanLoad: mean === 0 ? 0 : Math.max(...loads) / mean,
    offHomeShare: requests === 0 ? 0 : offHome / requests,
    containers,
    source,
    ...(seconds !== undefined ? { seconds } : {}),
  };
}

interface MutableView {
  id: number;
  status: InvokerStatus;
  capacityMB: number;
  inFlightMB: number;
  inFlight: number;
}

interface Container {
  readonly lru: Lru<string>;
  busy: boolean;
  lastUsed: number;
}

interface Event {
  /**
   * answer: the invoker has the result; container: the container is free; slot: the controller's
   * slot is; client: the client has the answer and may send the color's next request.
   */
  readonly kind: 'answer' | 'container' | 'slot' | 'client';
  readonly time: number;
  readonly seq: number;
  readonly request: SocialRequest;
  readonly invoker: number;
  readonly container: Container;
}

/** Per-request service jitter, drawn once per trace position so every policy sees the same. */
function jitterOf(trace: Trace, seed: number): Float64Array {
  const random = mulberry32(seed ^ 0x5eed);
  const jitter = new Float64Array(trace.requests.length);
  for (let i = 0; i < jitter.length; i++) jitter[i] = 0.5 + random();
  return jitter;
}

export function simulate(trace: Trace, spec: PolicySpec, options: SimOptions): RunResult {
  const n = options.invokers;
  const policy =
    spec.make?.(trace, options) ??
    createPolicy(spec.policy, {
      boundFactor: spec.bound,
      boundFloor: options.boundFloor,
      random: mulberry32(options.seed),
    });
  const homes = new Map<string, number>();
  const views: MutableView[] = Array.from({ length: n }, (_, id) => ({
    id,
    status: 'healthy',
    capacityMB: options.capacityMB,
    inFlightMB: 0,
    inFlight: 0,
  }));
  const viewArray: readonly InvokerView[] = views;
  policy.setMembers(views.map((v) => v.id));
  const slots = Math.max(1, Math.floor(options.capacityMB / options.memoryMB));
  const pools = Array.from({ length: n }, () => ({
    containers: [] as Container[],
    waiting: [] as SocialRequest[],
  }));
  const jitter = jitterOf(trace, options.seed);
  const loads = new Array<number>(n).fill(0);
  let hits = 0;
  let postReads = 0;
  let offHome = 0;
  let containers = 0;
  let now = 0;
  let seq = 0;
  const events = new Heap<Event>((a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq));
  const dispatcher = new ClosedLoopDispatcher(trace.requests, options.concurrency, options.window);

  const run = (request: SocialRequest, invoker: number, container: Container, cold: boolean) => {
    container.busy = true;
    const hit = container.lru.readAll(request.posts);
    const missed = request.posts.length - hit;
    hits += hit;
    postReads += request.posts.length;
    const service =
      jitter[request.index]! + (missed > 0 ? options.missCost : 0) + (cold ? options.coldStart : 0);
    events.push({ kind: 'answer', time: now + service, seq: seq++, request, invoker, container });
  };

  const place = (request: SocialRequest) => {
    const placement: PlacementRequest = {
      color: request.color,
      namespace: 'guest',
      action: 'guest/timeline',
      memoryMB: options.memoryMB,
    };
    const decision = policy.choose(placement, viewArray);
    if (!decision) throw new Error('no healthy invoker in the simulation');
    const view = views[decision.invoker]!;
    view.inFlight++;
    view.inFlightMB += options.memoryMB;
    loads[decision.invoker]!++;
    if (decision.spilled || decision.forced) offHome++;
    homes.set(request.color, decision.home);
    const pool = pools[decision.invoker]!;
    let idle: Container | undefined;
    for (const c of pool.containers) if (!c.busy && (!idle || c.lastUsed > idle.lastUsed)) idle = c;
    if (idle) return run(request, decision.invoker, idle, false);
    if (pool.containers.length < slots) {
      const container: Container = { lru: new Lru<string>(options.cacheSize), busy: true, lastUsed: now };
      pool.containers.push(container);
      containers++;
      return run(request, decision.invoker, container, true);
    }
    pool.waiting.push(request);
  };

  const fill = () => {
    for (let request = dispatcher.next(); request; request = dispatcher.next()) place(request);
  };

  fill();
  for (let event = events.pop(); event; event = events.pop()) {
    now = event.time;
    const { invoker, container } = event;
    const freeContainer = () => {
      container.busy = false;
      container.lastUsed = now;
      const waiting = pools[invoker]!.waiting.shift();
      if (waiting) run(waiting, invoker, container, false);
    };
    const freeSlot = () => {
      views[invoker]!.inFlight--;
      views[invoker]!.inFlightMB -= options.memoryMB;
    };
    if (event.kind === 'answer') {
      if (options.clientLag > 0)
        events.push({ ...event, kind: 'client', time: now + options.clientLag, seq: seq++ });
      else dispatcher.complete(event.request);
      if (options.releaseLag > 0)
        events.push({ ...event, kind: 'container', time: now + options.releaseLag, seq: seq++ });
      else freeContainer();
      if (options.slotLag > 0)
        events.push({ ...event, kind: 'slot', time: now + options.slotLag, seq: seq++ });
      else freeSlot();
    } else if (event.kind === 'container') freeContainer();
    else if (event.kind === 'slot') freeSlot();
    else dispatcher.complete(event.request);
    fill();
  }
  if (!dispatcher.done) throw new Error('simulation ended with requests left');
  return {
    ...summarize(spec.label, 'simulation', hits, postReads, loads, offHome, containers),
    edgeLocality: edgeLocality(trace, policy, homes, options.memoryMB),
  };
}

/**
 * Share of friendships inside one invoker: each user's color at its home (the last decision's, or
 * for a user never requested the first of the policy's order).
 */
export function edgeLocality(
  trace: Trace,
  policy: Policy,
  homes: ReadonlyMap<string, number>,
  memoryMB: number,
): number {
  const homeOf = (user: number): number => {
    const color = String(user);
    const known = homes.get(color);
    if (known !== undefined) return known;
    const request = { color, namespace: 'guest', action: 'guest/timeline', memoryMB };
    for (const id of policy.order(request)) return id;
    return -1;
  };
  const { friends } = trace.graph;
  const home = Array.from({ length: friends.length }, (_, u) => homeOf(u));
  let inside = 0;
  let total = 0;
  friends.forEach((list, u) => {
    for (const v of list) {
      if (v <= u) continue;
      total++;
      if (home[u] === home[v]) inside++;
    }
  });
  return total === 0 ? 1 : inside / total;
}

/**
 * The order requests are issued in by the closed loop with the jitter-only service times: the
 * order the pooled ideal is computed on (policy-independent).
 */
export function issueOrder(trace: Trace, concurrency: number, window: number, seed: number): SocialRequest[] {
  const jitter = jitterOf(trace, seed);
  const dispatcher = new ClosedLoopDispatcher(trace.requests, concurrency, window);
  const events = new Heap<{ time: number; request: SocialRequest }>(
    (a, b) => a.time < b.time || (a.time === b.time && a.request.index < b.request.index),
  );
  const order: SocialRequest[] = [];
  let now = 0;
  const fill = () => {
    for (let r = dispatcher.next(); r; r = dispatcher.next()) {
      order.push(r);
      events.push({ time: now + jitter[r.index]!, request: r });
    }
  };
  fill();
  for (let e = events.pop(); e; e = events.pop()) {
    now = e.time;
    dispatcher.complete(e.request);
    fill();
  }
  return order;
}

/** The serverful ideal: one LRU as large as all invokers' caches together, on the same requests. */
export function pooledHitRatio(requests: readonly SocialRequest[], capacity: number): number {
  const lru = new Lru<string>(capacity);
  for (const r of requests) lru.readAll(r.posts);
  const total = lru.hits + lru.misses;
  return total === 0 ? 0 : lru.hits / total;
}
