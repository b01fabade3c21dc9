/**
 * Where an invoke's time goes: `palette_stage_seconds{stage}` (DECISIONS R13). The API and the
 * controller shell lap a per-request `RequestStages` at each boundary; every lap charges the time
 * since the previous one to a stage, so the controller's stages add up to its whole share of the
 * request (first socket byte -> publish returned, plus acknowledgement arrival -> `finish`, R22),
 * and `invoker_wait` is the rest. The invoker's own share comes from the acknowledged activation
 * (`waitTime`, `initTime`, `duration`), so it is there for OpenWhisk's invoker as for ours.
 *
 * Cheap on purpose: `performance.now()` (a double, no allocation), one Float64Array per request,
 * and a histogram that observes by index (stage-histogram.ts). The pure core (state.ts) is untouched.
 */
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { annotation, type WhiskActivation } from '../protocol/index.js';
import { StageHistogram } from './stage-histogram.js';

export const controllerStages = [
  'request_read',
  'auth',
  'action_lookup',
  'decision',
  'publish',
  'invoker_wait',
  'result_match',
  'reply_write',
] as const;
export const activationStages = ['invoker_queue', 'invoker_init', 'invoker_run'] as const;
export const stageNames = [...controllerStages, ...activationStages] as const;
export type StageName = (typeof stageNames)[number];

/** Positions in `controllerStages`, for `lap`. */
export const Stage = {
  requestRead: 0,
  auth: 1,
  actionLookup: 2,
  decision: 3,
  publish: 4,
  invokerWait: 5,
  resultMatch: 6,
  replyWrite: 7,
} as const;
export type StageIndex = (typeof Stage)[keyof typeof Stage];

/** From 10 µs to 60 s: controller stages live in the first buckets, invoker stages in the last. */
export const stageBuckets = [
  1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5,
  10, 30, 60,
];

export const now: () => number = () => performance.now();

/** One request's stage clock (milliseconds since the time origin). */
export class RequestStages {
  /** Milliseconds charged to each controller stage; NaN for a stage never reached. */
  readonly spentMs = new Float64Array(controllerStages.length).fill(NaN);
  private last: number;

  constructor(readonly firstByteMs: number) {
    this.last = firstByteMs;
  }

  /** Charges the time since the previous lap to `stage`. */
  lap(stage: StageIndex): void {
    this.lapAt(stage, now());
  }

  /** Charges the time from the previous lap to `at` (a moment already past, e.g. an ack's arrival). */
  lapAt(stage: StageIndex, at: number): void {
    const spent = at > this.last ? at - this.last : 0;
    const before = this.spentMs[stage]!;
    this.spentMs[stage] = before === before ? before + spent : spent; // NaN check without a call
    if (at > this.last) this.last = at;
  }
}

export class StageMetrics {
  private readonly histogram: StageHistogram;
  /** The bench's raw samples: called with each finished request's stages (the array is reused by nobody). */
  onRequest: ((spentMs: Float64Array) => void) | undefined;

  /**
   * `enabled`: PALETTE_STAGE_TIMING. Switching it later is for the overhead benchmark: it takes
   * effect for requests, and for first-byte stamps on connections, opened after the switch.
   */
  constructor(
    registry: Registry,
    public enabled = true,
  ) {
    this.histogram = new StageHistogram(
      'palette_stage_seconds',
      "Where an invoke's time goes, by stage: the controller's own, waiting for the invoker, and the invoker's queue, init and run (from the acknowledged activation)",
      'stage',
      stageNames,
      stageBuckets,
      registry,
    );
  }

  /** A clock for a request whose first byte arrived at `firstByteMs`; undefined when timing is off. */
  begin(firstByteMs: number): RequestStages | undefined {
    return this.enabled ? new RequestStages(firstByteMs) : undefined;
  }

  /** Records a finished request's stages (those it reached). */
  end(stages: RequestStages): void {
    const spent = stages.spentMs;
    for (let i = 0; i < spent.length; i++) {
      const ms = spent[i]!;
      if (ms === ms) this.histogram.observe(i, ms / 1000);
    }
    this.onRequest?.(spent);
  }

  /** The invoker's stages, from an acknowledged activation (milliseconds in OpenWhisk's fields). */
  observeActivation(activation: WhiskActivation): void {
    if (!this.enabled) return;
    const base = controllerStages.length;
    const waitTime = annotation(activation, 'waitTime');
    if (typeof waitTime === 'number') this.histogram.observe(base, waitTime / 1000);
    const initTime = annotation(activation, 'initTime');
    if (typeof initTime === 'number') this.histogram.observe(base + 1, initTime / 1000);
    if (typeof activation.duration === 'number') {
      // OpenWhisk's duration includes initTime; run is what is left.
      const run = activation.duration - (typeof initTime === 'number' ? initTime : 0);
      this.histogram.observe(base + 2, Math.max(0, run) / 1000);
    }
  }
}
