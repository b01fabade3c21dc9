/**
 * bench:api's stage part (issue 20, R13/R22): where a blocking invoke's time goes, at 1, 4, 16 and
 * 64 concurrent blocking clients, from the controller's own stage clock (raw per-request samples
 * through StageMetrics.onRequest) and the invoker's share from each activation (waitTime, initTime,
 * duration). Controller-only overhead per request = first socket byte -> publish returned, plus
 * ack arrival -> `finish`: the sum of the controller's stages except `invoker_wait`.
 * Stage-timing overhead: PALETTE_STAGE_TIMING on and off in alternating runs of the sequential
 * client, compared by end-to-end p50 and by the controller process's CPU time per invoke.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { controllerStages, Stage, type StageMetrics } from '../../src/controller/stage-timing.js';
import { percentile, sortNumbers } from './stats.js';
import { lineChart } from './svg.js';

export type ClientSample = [elapsed: number, duration: number, waitTime: number, initTime: number];
export type RunClient = (env: Record<string, string>) => Promise<ClientSample[]>;

export interface Level {
  concurrency: number;
  e2e: number[];
  added: number[];
  controllerOnly: number[];
  stages: Float64Array[];
  client: ClientSample[];
}

const stat = (xs: number[]) => {
  const s = sortNumbers(xs);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
};
const ms = (x: number) => x.toFixed(3);

export async function measureLevels(
  stages: StageMetrics,
  runClient: RunClient,
  baseEnv: Record<string, string>,
  levels: readonly number[],
  samplesPerLevel: number,
): Promise<Level[]> {
  const out: Level[] = [];
  let collecting: Float64Array[] | undefined;
  stages.onRequest = (spent) => collecting?.push(Float64Array.from(spent));
  for (const concurrency of levels) {
    const perLoop = Math.max(10, Math.ceil(samplesPerLevel / concurrency));
    const env = { ...baseEnv, BLOCKING_CONCURRENCY: String(concurrency), BLOCKING_WARMUP: '0' };
    await runClient({ ...env, BLOCKING_SAMPLES: String(Math.max(5, Math.ceil(perLoop / 4))) }); // warm-up
    collecting = [];
    const client = await runClient({ ...env, BLOCKING_SAMPLES: String(perLoop) });
    const samples = collecting;
    collecting = undefined;
    out.push({
      concurrency,
      e2e: client.map(([e]) => e),
      added: client.map(([e, d]) => e - d),
      controllerOnly: samples.map((spent) => {
        let sum = 0;
        for (let i = 0; i < spent.length; i++)
          if (i !== Stage.invokerWait && spent[i] === spent[i]) sum += spent[i]!;
        return sum;
      }),
      stages: samples,
      client,
    });
  }
  stages.onRequest = undefined;
  return out;
}

/** Alternating on/off runs of the sequential client; e2e p50 and controller CPU µs per invoke. */
export async function measureOverhead(
  stages: StageMetrics,
  runClient: RunClient,
  baseEnv: Record<string, string>,
  pairs: number,
  samples: number,
) {
  const on: { p50: number; cpuUs: number }[] = [];
  const off: { p50: number; cpuUs: number }[] = [];
  const initially = stages.enabled;
  for (let i = 0; i < pairs * 2; i++) {
    const enabled = i % 2 === 0;
    stages.enabled = enabled;
    const cpu = process.cpuUsage();
    const client = await runClient({ ...baseEnv, BLOCKING_SAMPLES: String(samples), BLOCKING_WARMUP: '20' });
    const used = process.cpuUsage(cpu);
    const run = { p50: stat(client.map(([e]) => e)).p50, cpuUs: (used.user + used.system) / (samples + 20) };
    (enabled ? on : off).push(run);
  }
  stages.enabled = initially;
  return { on, off };
}

export function printLevels(levels: Level[], rt: number[]): void {
  const raw = stat(rt);
  const first = levels[0]!;
  console.log('');
  console.log(
    `### Stages at ${first.concurrency} blocking client${first.concurrency > 1 ? 's' : ''} (ms; ${first.stages.length} invokes; controller stages from the stage clock, invoker stages from the activations)`,
  );
  console.log('');
  console.log('| stage | p50 | p99 |');
  console.log('|---|---|---|');
  controllerStages.forEach((name, i) => {
    const xs = first.stages.map((s) => s[i]!).filter((x) => x === x);
    const s = stat(xs);
    console.log(`| ${name} | ${ms(s.p50)} | ${ms(s.p99)} |`);
  });
  const inv = (name: string, xs: number[]) => {
    const s = stat(xs);
    console.log(`| ${name} | ${ms(s.p50)} | ${ms(s.p99)} |`);
  };
  inv(
    'invoker_queue',
    first.client.map(([, , w]) => w),
  );
  inv(
    'invoker_init',
    first.client.map(([, , , i]) => i),
  );
  inv(
    'invoker_run',
    first.client.map(([, d, , i]) => d - i),
  );
  console.log('');
  console.log('### Latency vs concurrency (ms)');
  console.log('');
  console.log(
    '| concurrent blocking clients | controller-only p50 / p99 (target 0.5 / 2) | end-to-end p50 / p99 | end-to-end minus duration p50 / p99 | added over raw 2-hop kafkajs p50 / p99 | invoker_wait p50 |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const level of levels) {
    const c = stat(level.controllerOnly);
    const e = stat(level.e2e);
    const a = stat(level.added);
    const w = stat(level.stages.map((s) => s[Stage.invokerWait]!).filter((x) => x === x));
    console.log(
      `| ${level.concurrency} | ${ms(c.p50)} / ${ms(c.p99)} | ${ms(e.p50)} / ${ms(e.p99)} | ${ms(a.p50)} / ${ms(a.p99)} | ${ms(a.p50 - raw.p50)} / ${ms(a.p99 - raw.p99)} | ${ms(w.p50)} |`,
    );
  }
  console.log(`| raw kafkajs 2-hop round trip (sequential) | | ${ms(raw.p50)} / ${ms(raw.p99)} | | | |`);
}

export function printOverhead(
  result: Awaited<ReturnType<typeof measureOverhead>>,
  controllerOnlyP50: number,
): void {
  const med = (xs: number[]) => sortNumbers(xs)[Math.floor(xs.length / 2)]!;
  const onP50 = med(result.on.map((r) => r.p50));
  const offP50 = med(result.off.map((r) => r.p50));
  const onCpu = med(result.on.map((r) => r.cpuUs));
  const offCpu = med(result.off.map((r) => r.cpuUs));
  const budgetUs = Math.max(10, 0.02 * controllerOnlyP50 * 1000);
  console.log('');
  console.log(
    `### Stage-timing overhead (PALETTE_STAGE_TIMING on/off, ${result.on.length} alternating pairs, 1 client; budget R22: max(10 µs, 2% of controller-only p50) = ${budgetUs.toFixed(1)} µs)`,
  );
  console.log('');
  console.log('| measure | on (median run) | off (median run) | on - off |');
  console.log('|---|---|---|---|');
  console.log(
    `| end-to-end p50 (µs) | ${(onP50 * 1000).toFixed(0)} | ${(offP50 * 1000).toFixed(0)} | ${((onP50 - offP50) * 1000).toFixed(0)} |`,
  );
  console.log(
    `| controller process CPU per invoke (µs) | ${onCpu.toFixed(1)} | ${offCpu.toFixed(1)} | ${(onCpu - offCpu).toFixed(1)} |`,
  );
  console.log(
    `runs (p50 µs / CPU µs): on ${result.on.map((r) => `${(r.p50 * 1000).toFixed(0)}/${r.cpuUs.toFixed(0)}`).join(', ')}; off ${result.off.map((r) => `${(r.p50 * 1000).toFixed(0)}/${r.cpuUs.toFixed(0)}`).join(', ')}`,
  );
}

export function plotLevels(levels: Level[], rt: number[], path: string): void {
  const x = (c: number) => Math.log2(c);
  const series = (name: string, pick: (l: Level) => number) => ({
    name,
    points: levels.map((l) => [x(l.concurrency), pick(l)] as const),
  });
  const svg = lineChart({
    title: 'Blocking invoke latency vs concurrent clients',
    xLabel: 'concurrent blocking clients',
    yLabel: 'ms',
    xTicks: levels.map((l) => x(l.concurrency)),
    xFormat: (v) => String(2 ** v),
    series: [
      series('end-to-end p50', (l) => stat(l.e2e).p50),
      series('end-to-end p99', (l) => stat(l.e2e).p99),
      series('controller-only p50', (l) => stat(l.controllerOnly).p50),
      series('controller-only p99', (l) => stat(l.controllerOnly).p99),
      {
        name: 'raw kafkajs RT p50',
        points: levels.map((l) => [x(l.concurrency), stat(rt).p50] as const),
        dashed: true,
      },
    ],
  });
  mkdirSync(new URL('.', `file://${path}`).pathname, { recursive: true });
  writeFileSync(path, svg);
}
