/**
 * palette_stage_seconds end to end (R13): on the real platform (Kafka of the global setup, CouchDB,
 * one invoker process serving its own /metrics on PALETTE_INVOKER_METRICS_PORT), every series
 * starts at zero, and one blocking invoke is counted once in each of the controller's stages, in
 * the invoker's queue, init and run (from its ack) and in palette_invoker_stage_seconds.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/platform/platform.js';
import { controllerStages } from '../../../src/controller/stage-timing.js';
import { restClient, startTestPlatform } from '../../support/platform.js';
import { freePort } from '../../support/processes.js';

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

describe('stage timing in /metrics', () => {
  let platform: Platform;
  let rest: ReturnType<typeof restClient>;
  let invokerMetrics: string;
  const scrape = async () => {
    const controller = await (await fetch(`${platform.apiHost}/metrics`)).text();
    return controller + (await (await fetch(invokerMetrics)).text());
  };

  beforeAll(async () => {
    const port = await freePort();
    invokerMetrics = `http://127.0.0.1:${port}/metrics`; // invoker 0: the port plus its number
    // A broker the global setup has just started may refuse the first topic creation ("does not
    // host this topic-partition", a kafkajs retriable error outside subscribe's retry): once more.
    const start = () => startTestPlatform('stages', { invokers: 1, invokerMetricsPort: port });
    platform = await start().catch((err: { retriable?: boolean }) => {
      if (err?.retriable !== true) throw err;
      return start();
    });
    rest = restClient(platform);
    expect((await rest.createAction('hello', 'hello.js')).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  it('serves every palette_* metric the Grafana dashboard queries, right after start', async () => {
    // deploy/grafana/palette.json must stay valid JSON whose every query names metrics we export.
    const dashboard = JSON.parse(
      readFileSync(new URL('../../../deploy/grafana/palette.json', import.meta.url), 'utf8'),
    ) as { panels: { title: string; targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    const queried = new Set(
      exprs
        .flatMap((e) => e.match(/palette_[a-z_]+/g) ?? [])
        .map((m) => m.replace(/_(bucket|sum|count)$/, '')),
    );
    const text = await scrape();
    const exported = new Set([...text.matchAll(/^# TYPE (palette_[a-z_]+) /gm)].map((m) => m[1]));
    for (const metric of queried) expect(exported, metric).toContain(metric);
  });

  it('starts every known series at zero', async () => {
    const text = await scrape();
    for (const stage of [...controllerStages, 'invoker_queue', 'invoker_init', 'invoker_run'])
      expect(value(text, `palette_stage_seconds_count{stage="${stage}"}`)).toBe(0);
    // The invoker has run health test actions already: its series exist, counts need not be 0.
    for (const stage of ['consume', 'container_acquire', 'ack'])
      expect(value(text, `palette_invoker_stage_seconds_count{stage="${stage}"}`)).toBeGreaterThanOrEqual(0);
    for (const kind of ['result', 'completion', 'combined'])
      expect(value(text, `palette_acks_total{kind="${kind}"}`)).toBeGreaterThanOrEqual(0); // health tests
    const policy = platform.config.policy;
    expect(value(text, `palette_activations_off_home_total{policy="${policy}",reason="spilled"}`)).toBe(0);
    expect(value(text, `palette_decision_seconds_count{policy="${policy}"}`)).toBe(0);
  });

  it('counts one blocking invoke once in each stage it went through', async () => {
    const invokerCount = (text: string, stage: string) =>
      value(text, `palette_invoker_stage_seconds_count{stage="${stage}"}`);
    const before = await scrape();
    const reply = await rest.invoke('hello', { name: 'stages' });
    expect(reply.status).toBe(200);
    const text = await scrape();
    for (const stage of [...controllerStages, 'invoker_queue', 'invoker_init', 'invoker_run'])
      expect(value(text, `palette_stage_seconds_count{stage="${stage}"}`), stage).toBe(1);
    expect(value(text, 'palette_stage_seconds_sum{stage="invoker_wait"}')).toBeGreaterThan(0);
    for (const stage of ['consume', 'container_acquire', 'ack'])
      expect(invokerCount(text, stage) - invokerCount(before, stage), stage).toBeGreaterThanOrEqual(1);
  });
});
