/**
 * The controller's Prometheus metrics. Locality is what Palette is for, so besides OpenWhisk's usual
 * counters we export where colors land: colors per invoker, and the share of activations placed off
 * their home invoker (spilled by bounded loads, health or capacity).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InvokerStatus } from '../balancer/types.js';

const healthValue: Record<InvokerStatus, number> = {
  healthy: 1,
  unhealthy: 0,
  unresponsive: -1,
  offline: -2,
};

const ackKinds = ['result', 'completion', 'combined'] as const;
const offHomeReasons = ['spilled', 'forced'] as const;

export class ControllerMetrics {
  readonly registry: Registry;
  readonly activations: Counter<'policy' | 'invoker' | 'colored'>;
  readonly offHome: Counter<'policy' | 'reason'>;
  readonly placedBy: Counter<'policy' | 'reason'>;
  readonly decisionSeconds: Histogram<'policy'>;
  readonly inFlight: Gauge<'invoker'>;
  readonly invokerHealth: Gauge<'invoker'>;
  readonly colorsPerInvoker: Gauge<'invoker'>;
  readonly acks: Counter<'kind'>;
  readonly forcedCompletions: Counter<'invoker'>;

  /** `policies`: the configured policy names, whose series start at zero (R13). */
  constructor(options: { registry?: Registry; defaultMetrics?: boolean; policies?: readonly string[] } = {}) {
    this.registry = options.registry ?? new Registry();
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'palette_' });
    const registers = [this.registry];
    this.activations = new Counter({
      name: 'palette_activations_total',
      help: 'Activations published, by policy and chosen invoker',
      labelNames: ['policy', 'invoker', 'colored'],
      registers,
    });
    this.offHome = new Counter({
      name: 'palette_activations_off_home_total',
      help: 'Activations placed on an invoker other than their home: spilled (bound, health, capacity) or forced (all full)',
      labelNames: ['policy', 'reason'],
      registers,
    });
    this.placedBy = new Counter({
      name: 'palette_activations_placed_by_total',
      help: 'Colored activations placed by a co-access plan (planned: the pin) or by hot-color replication (replica: the least loaded of its homes)',
      labelNames: ['policy', 'reason'],
      registers,
    });
    this.decisionSeconds = new Histogram({
      name: 'palette_decision_seconds',
      help: 'Time to choose an invoker',
      labelNames: ['policy'],
      buckets: [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 1e-2],
      registers,
    });
    this.inFlight = new Gauge({
      name: 'palette_inflight_activations',
      help: "This controller's in-flight activations per invoker",
      labelNames: ['invoker'],
      registers,
    });
    this.invokerHealth = new Gauge({
      name: 'palette_invoker_health',
      help: 'Invoker health: 1 healthy, 0 unhealthy, -1 unresponsive, -2 offline',
      labelNames: ['invoker'],
      registers,
    });
    this.colorsPerInvoker = new Gauge({
      name: 'palette_colors_per_invoker',
      help: 'Distinct colors whose home is the invoker (least-assigned table, or colors seen by hashing policies)',
      labelNames: ['invoker'],
      registers,
    });
    this.acks = new Counter({
      name: 'palette_acks_total',
      help: 'Acknowledgements received on completed<controllerId>, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.forcedCompletions = new Counter({
      name: 'palette_forced_completions_total',
      help: 'Activations released by the forced-completion timeout',
      labelNames: ['invoker'],
      registers,
    });
    // Every known label set starts at zero, so a rate over a fresh controller is 0, not absent.
    for (const kind of ackKinds) this.acks.inc({ kind }, 0);
    for (const policy of options.policies ?? []) {
      this.decisionSeconds.zero({ policy });
      for (const reason of offHomeReasons) this.offHome.inc({ policy, reason }, 0);
    }
  }

  setHealth(invoker: number, status: InvokerStatus): void {
    this.invokerHealth.set({ invoker: String(invoker) }, healthValue[status]);
  }
}
