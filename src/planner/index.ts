/**
 * The co-access placement planner (DECISIONS R8): plan.ts plans, replicated-plan.ts plans around
 * hot colors' replicas, graph.ts holds the compact graph, edge-list.ts parses the text formats.
 */
export { compactGraph, GraphBuilder } from './graph.js';
export type { CompactGraph, PlanEdge, PlanGraph, PlanNode } from './graph.js';
export { EdgeListError, LineParser, type LineFormat } from './edge-list.js';
export { partition, seededRandom, streamOrder } from './partition.js';
export * from './plan.js';
export { planReplicated, type ReplicatedPlan, type ReplicatedPlanOptions } from './replicated-plan.js';
