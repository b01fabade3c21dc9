import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { StageHistogram } from '../../../src/controller/stage-histogram.js';
import {
  RequestStages,
  Stage,
  StageMetrics,
  controllerStages,
  stageNames,
} from '../../../src/controller/stage-timing.js';
import type { WhiskActivation } from '../../../src/protocol/index.js';

function countOf(text: string, stage: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`palette_stage_seconds_count{stage="${stage}"}`));
  return Number(line?.split(' ').pop());
}

describe('StageHistogram', () => {
  it('renders the exposition format of a prom-client histogram, every label value from zero', async () => {
    const registry = new Registry();
    const h = new StageHistogram('x_seconds', 'help', 'stage', ['a', 'b'], [0.001, 0.01], registry);
    expect(await registry.metrics()).toContain('x_seconds_count{stage="b"} 0');
    h.observe(0, 0.0005);
    h.observe(0, 0.005);
    h.observe(0, 5);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE x_seconds histogram');
    expect(text).toContain('x_seconds_bucket{le="0.001",stage="a"} 1');
    expect(text).toContain('x_seconds_bucket{le="0.01",stage="a"} 2');
    expect(text).toContain('x_seconds_bucket{le="+Inf",stage="a"} 3');
    expect(text).toContain('x_seconds_sum{stage="a"} 5.0055');
    expect(text).toContain('x_seconds_count{stage="a"} 3');
    expect(text).toContain('x_seconds_count{stage="b"} 0');
    h.reset();
    expect(await registry.metrics()).toContain('x_seconds_count{stage="a"} 0');
  });

  it('puts a value on a bucket bound in that bucket (le is inclusive)', async () => {
    const registry = new Registry();
    const h = new StageHistogram('y_seconds', 'help', 'stage', ['a'], [0.001, 0.01], registry);
    h.observe(0, 0.001);
    expect(await registry.metrics()).toContain('y_seconds_bucket{le="0.001",stage="a"} 1');
  });
});

describe('RequestStages', () => {
  it('laps are contiguous: the stages add up to the time since the first byte', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.double({ min: 0, max: 100, noNaN: true })), {
          maxLength: 20,
        }),
        (laps) => {
          const stages = new RequestStages(1_000);
          let at = 1_000;
          for (const [stage, step] of laps) {
            at += step;
            stages.lapAt(stage as 0, at);
          }
          const total = [...stages.spentMs].filter((x) => !Number.isNaN(x)).reduce((a, b) => a + b, 0);
          expect(total).toBeCloseTo(at - 1_000, 6);
        },
      ),
    );
  });

  it('a stage never reached stays NaN; a moment before the last lap charges nothing', () => {
    const stages = new RequestStages(10);
    stages.lapAt(Stage.auth, 15);
    stages.lapAt(Stage.invokerWait, 12);
    expect(stages.spentMs[Stage.auth]).toBe(5);
    expect(stages.spentMs[Stage.invokerWait]).toBe(0);
    expect(Number.isNaN(stages.spentMs[Stage.publish]!)).toBe(true);
  });
});

describe('StageMetrics', () => {
  it('observes the stages a request reached and the invoker stages of an acknowledged activation', async () => {
    const registry = new Registry();
    const metrics = new StageMetrics(registry);
    const before = await registry.metrics();
    for (const stage of stageNames) expect(countOf(before, stage)).toBe(0);

    const seen: number[][] = [];
    metrics.onRequest = (spent) => seen.push([...spent]);
    const stages = metrics.begin(0)!;
    stages.lapAt(Stage.requestRead, 1);
    stages.lapAt(Stage.publish, 2);
    metrics.end(stages);
    metrics.observeActivation({
      duration: 30,
      annotations: [
        { key: 'waitTime', value: 4 },
        { key: 'initTime', value: 20 },
      ],
    } as unknown as WhiskActivation);
    const text = await registry.metrics();
    expect(countOf(text, 'request_read')).toBe(1);
    expect(countOf(text, 'publish')).toBe(1);
    expect(countOf(text, 'auth')).toBe(0);
    expect(countOf(text, 'invoker_queue')).toBe(1);
    expect(countOf(text, 'invoker_init')).toBe(1);
    expect(text).toContain('palette_stage_seconds_sum{stage="invoker_run"} 0.01');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toHaveLength(controllerStages.length);
  });

  it('off: no clock, nothing observed', async () => {
    const registry = new Registry();
    const metrics = new StageMetrics(registry, false);
    expect(metrics.begin(0)).toBeUndefined();
    metrics.observeActivation({ duration: 3, annotations: [] } as unknown as WhiskActivation);
    expect(countOf(await registry.metrics(), 'invoker_run')).toBe(0);
  });
});
