/**
 * The invoker's own stages (DECISIONS R13), finer than what its acknowledgement tells the controller:
 * `consume` (message received -> action read, ready to ask for a container), `container_acquire`
 * (a warm container handed over, or a cold one started) and `ack` (the result acknowledgement
 * taken by the bus). Invokers in one process share the histogram.
 */
import { performance } from 'node:perf_hooks';
import { Histogram, type Registry } from 'prom-client';

export const invokerStages = ['consume', 'container_acquire', 'ack'] as const;
export type InvokerStage = (typeof invokerStages)[number];

const name = 'palette_invoker_stage_seconds';

export interface InvokerStageObserver {
  /** Records `sinceMs` (a performance.now() reading) -> now for `stage`. */
  since(stage: InvokerStage, sinceMs: number): void;
}

export function invokerStageMetrics(registry: Registry): InvokerStageObserver {
  const existing = registry.getSingleMetric(name) as Histogram<'stage'> | undefined;
  const histogram =
    existing ??
    new Histogram({
      name,
      help: "Where an activation's time goes inside Palette's invoker, by stage",
      labelNames: ['stage'],
      buckets: [1e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 0.1, 0.25, 1, 5, 30],
      registers: [registry],
    });
  const children = Object.fromEntries(
    invokerStages.map((stage) => [stage, histogram.labels(stage)]),
  ) as Record<InvokerStage, Histogram.Internal<'stage'>>;
  for (const stage of invokerStages) histogram.zero({ stage });
  return {
    since: (stage, sinceMs) => children[stage].observe((performance.now() - sinceMs) / 1000),
  };
}
