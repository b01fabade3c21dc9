/**
 * Beyond the paper (issue 17): co-access placement and hot-color replication in the social
 * experiment. The plan is the planner's (src/planner) over the friendship graph, every user's rate
 * counted from the trace (what the placement records of an earlier run would give), pinned in a
 * PinTable the run's policy consults first, exactly as the controller does.
 */
import { createPolicy, PinTable } from '../../src/balancer/index.js';
import type { Policy } from '../../src/balancer/types.js';
import { GraphBuilder, plan, type PlanSummary } from '../../src/planner/index.js';
import { mulberry32 } from './random.js';
import type { PolicySpec, SimOptions } from './social-sim.js';
import type { Trace } from './social-trace.js';

/** Rates from the trace, friendships as unit edges; cached per trace. */
const graphs = new WeakMap<Trace, ReturnType<GraphBuilder['build']>>();
export function planningGraph(trace: Trace) {
  let graph = graphs.get(trace);
  if (!graph) {
    const builder = new GraphBuilder(0);
    const rates = new Float64Array(trace.graph.users);
    for (const r of trace.requests) rates[r.user]!++;
    for (let u = 0; u < trace.graph.users; u++) builder.setWeight(String(u), rates[u]!);
    trace.graph.friends.forEach((list, u) => {
      for (const v of list) if (v > u) builder.addEdge(String(u), String(v));
    });
    graphs.set(trace, (graph = builder.build()));
  }
  return graph;
}

const plansByTrace = new WeakMap<Trace, Map<string, { pins: PinTable; summary: PlanSummary }>>();
/**
 * The plan's pins, as the product makes them (npm run plan, the affinity route): planned by rate,
 * each color on one invoker. (planReplicated, which counts a hot color's rate over its homes, fits
 * a replication that always spreads; load-dependent replication keeps a hot color home until that
 * home is loaded, so the plain plan is the one to follow.)
 */
export function coAccessPins(trace: Trace, invokers: number, capacityFactor: number) {
  let plans = plansByTrace.get(trace);
  if (!plans) plansByTrace.set(trace, (plans = new Map()));
  const key = `${invokers}/${capacityFactor}`;
  let found = plans.get(key);
  if (!found) {
    const ids = Array.from({ length: invokers }, (_, i) => i);
    const { assignment, summary } = plan(planningGraph(trace), ids, { capacityFactor, seed: 1, passes: 8 });
    const pins = new PinTable();
    for (const [color, invoker] of assignment) pins.set('guest', color, invoker);
    plans.set(key, (found = { pins, summary }));
  }
  return found;
}

export interface LocalityOptions {
  /** The planner's capacity factor; undefined: no plan. */
  readonly plan?: number;
  readonly replication?: boolean;
  /** PALETTE_BOUND for the run (also replication's hot threshold when > 0). */
  readonly bound: number;
  /** Replication's threshold when the run is unbounded; default 1.25. */
  readonly hotFactor?: number;
}

export function localitySpec(label: string, o: LocalityOptions): PolicySpec {
  return {
    label,
    policy: 'consistent-hash',
    bound: o.bound,
    make: (trace: Trace, options: SimOptions): Policy =>
      createPolicy('consistent-hash', {
        boundFactor: o.bound,
        boundFloor: options.boundFloor,
        random: mulberry32(options.seed),
        ...(o.plan !== undefined
          ? {
              // The plan the product pins (npm run plan, the affinity route): replication spreads a
              // hot color only while its home is loaded, so the plan counts it on its pin alone.
              pins: coAccessPins(trace, options.invokers, o.plan).pins,
            }
          : {}),
        ...(o.replication
          ? { replication: { max: 4, ...(o.bound ? {} : { factor: o.hotFactor ?? 1.25 }) } }
          : {}),
      }),
    // The platform's replication threshold is PALETTE_BOUND, or 1.25 when unbounded.
    ...(o.hotFactor === undefined || o.hotFactor === 1.25
      ? {
          platform: {
            replication: o.replication ?? false,
            ...(o.plan !== undefined
              ? {
                  pins: (trace: Trace, invokers: number) =>
                    coAccessPins(trace, invokers, o.plan!).pins.namespace('guest'),
                }
              : {}),
          },
        }
      : {}),
  };
}

/**
 * The rows issue 17 adds, unbounded like the paper's consistent-hash row: plans within 1.1 x the
 * mean rate, replication for colors above 1.25 x the mean invoker's rate (PALETTE_BOUND's default).
 */
export const LOCALITY_SPECS: readonly PolicySpec[] = [
  localitySpec('co-access', { plan: 1.1, bound: 0 }),
  localitySpec('co-access + replication', { plan: 1.1, bound: 0, replication: true }),
  localitySpec('consistent-hash + replication', { bound: 0, replication: true }),
];

export const FRONTIER_FACTORS = [1.1, 1.25, 1.5, 2] as const;

export interface FrontierPoint {
  readonly family: string;
  readonly factor: number;
  readonly hitRatio: number;
  readonly maxMeanLoad: number;
}

/**
 * Hit ratio against max/mean for each factor c: consistent hashing within bounded loads c, and
 * co-access placement with capacity factor c, each with and without replication (hot above c).
 */
export function frontierSpecs(): { family: string; factor: number; spec: PolicySpec }[] {
  return FRONTIER_FACTORS.flatMap((c) => [
    { family: 'bounded-loads', factor: c, spec: localitySpec(`bounded-loads ${c}`, { bound: c }) },
    {
      family: 'bounded-loads + replication',
      factor: c,
      spec: localitySpec(`bounded-loads ${c} + replication`, { bound: c, replication: true }),
    },
    { family: 'co-access', factor: c, spec: localitySpec(`co-access ${c}`, { plan: c, bound: 0 }) },
    {
      family: 'co-access + replication',
      factor: c,
      spec: localitySpec(`co-access ${c} + replication`, {
        plan: c,
        bound: 0,
        replication: true,
        hotFactor: c,
      }),
    },
  ]);
}
