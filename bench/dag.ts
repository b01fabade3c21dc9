/**
 * `npm run bench:dag`: Palette's data-parallel experiment (serverless Dask on Task Bench, EuroSys
 * 2023: run time -46%) on our platform with the `dag-task` action, made faithful (issue 19 1-3):
 *
 * - The remote store is a pouchdb-server behind an emulated link (bench/lib/remote-store.ts): its
 *   own network namespace on a veth pair (198.18.0.0/30) shaped by tbf at `--rate-mib` per
 *   direction, with `--rtt-ms` of delay added by a relay; where `ip netns add` is refused, a
 *   token bucket in the relay on loopback. The link is measured and checked before the run.
 * - Sizes keep the authors' transfer-to-compute ratio (R9): by default the rate is chosen so that
 *   one output at the fair share (the `width` tasks of a step share the link) takes `--compute-ms`.
 *   Compute is a wall-clock wait.
 * - Placements also include block: chain coloring with the chains pinned by block placement (src/dag)
 *   through the affinity route before each run.
 * - Patterns: Task Bench's stencil, fft, tree, all-to-all, dom, no-comm and nearest
 *   (bench/lib/dag.ts). Placements: chain and virtual-worker coloring (consistent-hash within
 *   bound 1.25), random and round-robin (uncolored), and random-local: random with every input
 *   already local, whose gap to random is the locality ceiling (bench/lib/dag-ceiling.ts).
 * - After one unmeasured warm-up run, each configuration runs `--reps` times with fresh color
 *   names, placements in rotating order; medians are reported.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type Platform } from '../src/platform/platform.js';
import type { PolicyName } from '../src/balancer/types.js';
import {
  buildDag,
  chainColoring,
  PATTERNS,
  virtualWorkerColoring,
  type Dag,
  type Pattern,
} from './lib/dag.js';
import { fairShareRate, summarize, type RunMeasure } from './lib/dag-ceiling.js';
import { runDag } from './lib/dag-run.js';
import {
  authorsComparison,
  ceilingTable,
  resultTable,
  type PatternResult,
  type Placement,
} from './lib/dag-table.js';
import { describeMeasurement, judgeLink, measureLink, type LinkMeasurement } from './lib/link-check.js';
import { startRemoteStore, stopOnSignals, type RemoteStore } from './lib/remote-store.js';
import { Progress } from './lib/progress.js';
import { barChart } from './lib/svg.js';
import { commandLine, numberOption, StartError } from '../src/platform/cli.js';
import { runMain } from '../src/platform/start-errors.js';
import { edgeList, planChains } from '../src/dag/index.js';

const ALL_PLACEMENTS: readonly Placement[] = [
  'chain',
  'block',
  'virtual',
  'random',
  'random-local',
  'round-robin',
];
const QUICK = {
  invokers: '4',
  width: '4',
  steps: '3',
  size: String(512 * 1024),
  'compute-ms': '250',
  reps: '1',
  placements: 'chain,block,virtual,random,random-local',
  out: 'results/tmp/dag',
};

const usage = `npm run bench:dag -- [--quick] [--invokers 16] [--width 16] [--steps 4] [--size 4194304] [--compute-ms 8000]
                     [--rate-mib <fair share>] [--rtt-ms 10] [--network auto|netns|token-bucket] [--reps 3]
                     [--patterns ${PATTERNS.join(',')}] [--radix 5]
                     [--placements ${ALL_PLACEMENTS.join(',')}] [--kafka] [--out results/dag]
  Palette's DAG experiment (Task Bench patterns) on the platform, with the remote store behind an
  emulated link; writes table.md, results.json and plots to --out. See bench/dag.ts and the README.
  --quick        CI size: ${Object.entries(QUICK)
    .map(([k, v]) => `--${k} ${v}`)
    .join(' ')}
  --rate-mib     link rate per direction, MiB/s; default: size x width / compute (one output at the fair share = compute)
  --network      auto: netns when 'ip netns add' works (root), else the token bucket; or force either`;

const args = commandLine({
  name: 'bench:dag',
  usage,
  options: {
    quick: { type: 'boolean', default: false },
    invokers: { type: 'string' },
    width: { type: 'string' },
    steps: { type: 'string' },
    size: { type: 'string' },
    'compute-ms': { type: 'string' },
    'rate-mib': { type: 'string' },
    'rtt-ms': { type: 'string', default: '10' },
    network: { type: 'string', default: 'auto' },
    reps: { type: 'string' },
    patterns: { type: 'string', default: PATTERNS.join(',') },
    radix: { type: 'string', default: '5' },
    placements: { type: 'string' },
    kafka: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const FULL = {
  invokers: '16',
  width: '16',
  steps: '4',
  size: String(4 * 2 ** 20),
  'compute-ms': '8000',
  reps: '3',
  placements: ALL_PLACEMENTS.join(','),
  out: 'results/dag',
};
const pick = (name: keyof typeof FULL): string => args[name] ?? (args.quick ? QUICK : FULL)[name];

const DB = 'bench_dag';

interface Settings {
  invokers: number;
  width: number;
  steps: number;
  size: number;
  computeMs: number;
  reps: number;
  rate: number;
  rttMs: number;
  network: 'auto' | 'netns' | 'token-bucket';
  patterns: Pattern[];
  radix: number;
  placements: Placement[];
  outDir: string;
}

function readSettings(): Settings {
  const list = <T extends string>(name: string, value: string, allowed: readonly T[]): T[] => {
    const items = value.split(',').filter(Boolean);
    const bad = items.find((p) => !allowed.includes(p as T));
    if (bad !== undefined || items.length === 0)
      throw new StartError(`--${name} takes a list of ${allowed.join(', ')}; '${bad ?? value}' is not one`);
    return items as T[];
  };
  const network = args.network!;
  if (network !== 'auto' && network !== 'netns' && network !== 'token-bucket')
    throw new StartError(`--network must be auto, netns or token-bucket, not '${network}'`);
  const size = numberOption('size', pick('size'), 1);
  const width = numberOption('width', pick('width'), 1);
  const computeMs = numberOption('compute-ms', pick('compute-ms'), 1);
  const placements = list('placements', pick('placements'), ALL_PLACEMENTS);
  if (placements.some((p) => p !== 'random' && p !== 'round-robin') && !placements.includes('random'))
    throw new StartError('--placements needs random: every gain and the ceiling are measured against it');
  return {
    invokers: numberOption('invokers', pick('invokers'), 1),
    width,
    steps: numberOption('steps', pick('steps'), 1),
    size,
    computeMs,
    reps: numberOption('reps', pick('reps'), 1),
    rate:
      args['rate-mib'] !== undefined
        ? numberOption('rate-mib', args['rate-mib'], 0.01) * 2 ** 20
        : fairShareRate(size, width, computeMs),
    rttMs: numberOption('rtt-ms', args['rtt-ms'], 0),
    network,
    patterns: list('patterns', args.patterns!, PATTERNS),
    radix: numberOption('radix', args.radix, 1),
    placements,
    outDir: pick('out'),
  };
}

async function startFor(s: Settings, baseline: PolicyName): Promise<Platform> {
  const prefix = `d${randomBytes(4).toString('hex')}_`;
  const platform = await startPlatform({
    projectKafka: args.kafka!,
    overrides: {
      port: 0,
      invokers: s.invokers,
      policy: 'consistent-hash',
      bound: 1.25,
      baseline,
      dbPrefix: prefix,
      kafkaTopicPrefix: prefix,
      logLevel: 'silent',
    },
  });
  await platform.waitForHealthyInvokers(s.invokers, 180_000);
  const code = readFileSync(new URL('../actions/dag-task.js', import.meta.url), 'utf8');
  const reply = await fetch(`${platform.apiHost}/api/v1/namespaces/_/actions/dag-task?overwrite=true`, {
    method: 'PUT',
    headers: {
      authorization: `Basic ${Buffer.from(platform.authKey).toString('base64')}`,
      'content-type': 'application/json',
    },
    // Long computes need more than OpenWhisk's default 60 s limit per task.
    body: JSON.stringify({ exec: { kind: 'nodejs:20', code }, limits: { timeout: 300_000 } }),
  });
  if (reply.status !== 200) throw new Error(`creating dag-task: HTTP ${reply.status} ${await reply.text()}`);
  return platform;
}

/** Measures the link, up to three times while it misses a setting; refuses to run on a wrong link. */
async function checkLink(store: RemoteStore): Promise<LinkMeasurement> {
  let problems: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const measured = await measureLink(store.probeUrl, store.directProbeUrl);
    process.stderr.write(`link check ${attempt}: ${describeMeasurement(measured, store.settings)}\n`);
    problems = judgeLink(measured, store.settings);
    if (problems.length === 0) return measured;
  }
  throw new StartError(`the emulated link misses its settings: ${problems.join('; ')} (machine too busy?)`);
}

function networkLines(s: Settings, store: RemoteStore, link: LinkMeasurement): string[] {
  const mib = (b: number) => (b / 2 ** 20).toFixed(2);
  const how =
    store.kind === 'netns'
      ? `network namespace ${store.names!.namespace} on a veth pair 198.18.0.1 <-> 198.18.0.2, tbf at ${mib(s.rate)} MiB/s of payload on the egress of both ends: one shared link per direction, like a storage server's NIC; ` +
        `delay from a TCP relay inside the namespace (netem is not in this kernel), ${s.rttMs / 2} ms each way`
      : `token-bucket fallback (ip netns add was ${store.fallbackReason ? `refused: ${store.fallbackReason}` : 'not tried: --network token-bucket'}): the store on loopback behind a relay that shapes each direction with one token bucket at ${mib(s.rate)} MiB/s (one shared link) and delays ${s.rttMs / 2} ms each way`;
  return [
    `Remote store: a second pouchdb-server (in memory) behind an emulated link: ${how}.`,
    `Link verified before the run: ${describeMeasurement(link, store.settings)}.`,
  ];
}

/**
 * Block placement through the affinity route, as an application pins it (examples/dag): the chain
 * graph planned here with the kept seed is what the route plans and pins for these colors.
 */
async function pinChains(platform: Platform, dag: Dag, invokers: number, prefix: string): Promise<void> {
  const planned = planChains(
    dag,
    Array.from({ length: invokers }, (_, i) => i),
    { prefix },
  );
  const reply = await fetch(
    `${platform.apiHost}/palette/v1/namespaces/_/affinity?capacityFactor=1.1&seed=${planned.seed}`,
    {
      method: 'PUT',
      headers: {
        authorization: `Basic ${Buffer.from(platform.authKey).toString('base64')}`,
        'content-type': 'text/plain',
      },
      body: edgeList(planned.graph),
    },
  );
  if (reply.status !== 200) throw new Error(`pinning the chains: HTTP ${reply.status} ${await reply.text()}`);
}

function colorsFor(placement: Placement, dag: Dag, invokers: number): number[] | undefined {
  if (placement === 'chain' || placement === 'block') return chainColoring(dag);
  if (placement === 'virtual') return virtualWorkerColoring(dag, 2 * invokers);
  return undefined;
}

async function main(): Promise<void> {
  const s = readSettings();
  mkdirSync(s.outDir, { recursive: true });
  const dags = s.patterns.map((p) => buildDag(p, s.width, s.steps, { radix: s.radix }));
  const mib = (b: number) => (b / 2 ** 20).toFixed(2);
  const method = [
    `Task Bench patterns, width ${s.width}, steps ${s.steps} (tree: a binary reduction of ${s.width} leaves; dom: Task Bench's diamond cut at ${s.steps} steps; nearest: radix ${s.radix}), ` +
      `${mib(s.size)} MiB per output, ${s.computeMs} ms of compute per task (a wall-clock wait, not a busy loop).`,
    `${s.invokers} invokers on the real platform (${args.kafka || process.env.KAFKA_BROKERS ? 'Kafka, one OS process per invoker' : 'in-process bus'}; actions in warm child processes; the platform's own CouchDB on loopback).`,
    `Link rate ${mib(s.rate)} MiB/s per direction${args['rate-mib'] === undefined ? ` = output size x width / compute: one output at the fair share (${s.width} transfers at once) takes about the compute time, the authors' transfer-to-compute ratio` : ''}; round trip +${s.rttMs} ms.`,
    `chain / virtual: colored (chain coloring; virtual workers V = ${2 * s.invokers}), placed by consistent-hash within bound 1.25; random / round-robin: uncolored, PALETTE_BASELINE=random / round-robin.`,
    `block: chain coloring with the chains pinned by block placement (src/dag planChains: the chain graph planned over the invokers, capacity factor 1.1) through the affinity route before each run, as an application pins them.`,
    `random-local: random placement with every input already in every invoker's local store (one folder on this host for all tasks), only the DAG's sinks written remotely: the locality ceiling is T_random - T_random_local.`,
    `Dataflow execution, blocking invokes; median of ${s.reps} run(s) after a warm-up. Every output goes to its invoker's local store, and to the remote store unless all its consumers share its color (colored placements).`,
  ];
  process.stderr.write(`${method.join('\n')}\n`);

  const store = await startRemoteStore({ network: s.network, rateBytesPerSecond: s.rate, rttMs: s.rttMs });
  const unhook = stopOnSignals(store);
  const sharedLocal = mkdtempSync(join(tmpdir(), 'palette-dag-everywhere-'));
  const results = new Map<string, RunMeasure[]>();
  let network: string[] = [];
  // What is measured so far is written after every repetition and when a run fails, so a long run
  // that dies (a dropped store connection at the third hour) keeps its finished repetitions.
  const progressNote = (note: string) => writeReport(s, dags, results, method, network, note, false);
  let repsDone = 0;
  try {
    process.stderr.write(`remote store: ${store.kind} at ${store.url}\n`);
    const link = await checkLink(store);
    network = networkLines(s, store, link);
    const created = await fetch(`${store.url}/${DB}`, { method: 'PUT' });
    if (!created.ok) throw new Error(`creating ${DB} in the remote store: HTTP ${created.status}`);

    const perRep = dags.reduce((sum, d) => sum + d.tasks.length, 0);
    const progress = new Progress('dag', perRep * s.placements.length * s.reps);
    let finished = 0;
    const tick = () => progress.update(++finished);
    for (const baseline of ['random', 'round-robin'] as const) {
      const placements = s.placements.filter((p) => (baseline === 'round-robin') === (p === 'round-robin'));
      if (placements.length === 0) continue;
      const platform = await startFor(s, baseline);
      try {
        const api = { apiHost: platform.apiHost, authKey: platform.authKey };
        const common = { outputBytes: s.size, computeMs: s.computeMs, storeUrl: store.url, db: DB };
        // Warm-up, not measured: the widest DAG once, uncolored, so every invoker has warm containers.
        const widest = dags.reduce((a, b) => (b.tasks.length > a.tasks.length ? b : a));
        await runDag(api, widest, common, () => {});
        for (let rep = 0; rep < s.reps; rep++) {
          for (const dag of dags) {
            // Rotate the order of placements per repetition, so none always runs first.
            for (const placement of placements.map((_, k) => placements[(k + rep) % placements.length]!)) {
              const measure = await runDag(
                api,
                dag,
                {
                  ...common,
                  colors: colorsFor(placement, dag, s.invokers),
                  ...(placement === 'random-local' ? { sharedLocalDir: sharedLocal } : {}),
                  ...(placement === 'block'
                    ? { beforeRun: (prefix: string) => pinChains(platform, dag, s.invokers, prefix) }
                    : {}),
                },
                tick,
              );
              const key = `${dag.pattern}/${placement}`;
              results.set(key, [...(results.get(key) ?? []), measure]);
            }
          }
          repsDone++;
          progressNote(
            `Partial: written after ${repsDone} finished repetition(s) (${baseline} group, repetition ${rep + 1} of ${s.reps}); the finished run's report replaces it.`,
          );
        }
      } finally {
        await platform.stop();
      }
    }
    progress.finish();
  } catch (error) {
    if (results.size > 0)
      progressNote(
        `Incomplete: the run failed after ${repsDone} finished repetition(s) over both placement groups (${error instanceof Error ? error.message : String(error)}); the figures are what was measured until then.`,
      );
    throw error;
  } finally {
    rmSync(sharedLocal, { recursive: true, force: true });
    await store.stop();
    unhook();
  }
  writeReport(s, dags, results, method, network);
}

function writeReport(
  s: Settings,
  dags: readonly Dag[],
  results: Map<string, RunMeasure[]>,
  method: string[],
  network: string[],
  status?: string,
  print = true,
): void {
  const patternResults: PatternResult[] = dags.map((dag) => ({
    pattern: dag.pattern,
    tasks: dag.tasks.length,
    // A partial report has no figures yet for the placements still to run.
    figures: Object.fromEntries(
      s.placements
        .filter((p) => (results.get(`${dag.pattern}/${p}`) ?? []).length > 0)
        .map((p) => [p, summarize(results.get(`${dag.pattern}/${p}`)!)]),
    ),
  }));
  const lines = [
    '# DAG experiment (Palette: serverless Dask on Task Bench)',
    '',
    '## Method',
    '',
    ...method,
    ...network,
    '',
    ...(status ? [`**${status}**`, ''] : []),
    '## Results',
    '',
    'Per pattern and placement (medians). "vs random": run-time change; "% of ceiling": (T_random - T) / (T_random - T_random_local); ' +
      "fetch share: the tasks' time reading inputs over their time reading, computing and writing; local-input fraction: input bytes read locally over all input bytes read. " +
      'Misses = consumer calls that found an input in neither store (the producer is then recomputed and the consumer retried), summed over the runs.',
    '',
    ...resultTable(patternResults, s.placements),
    '',
    '## Locality ceiling',
    '',
    'Ceiling = T_random - T_random_local; volume ceiling = the cut in remote bytes (read + written) random-local achieves over random. ' +
      'Each placement: its run-time gain over random, its share of the ceiling, and its share of the volume ceiling.',
    '',
    ...ceilingTable(patternResults, s.placements),
    '',
    '## Beside the authors',
    '',
    "The authors' runs (KarizCache/serverless results/runtime.csv: 4 Azure D32s_v3 nodes, ~600 MB/s per flow, 1 GiB outputs, compute-bound tasks) and the paper's abstract; compared on dom, all-to-all and fft only (R9).",
    '',
    ...authorsComparison(patternResults),
    '',
  ];
  writeFileSync(join(s.outDir, 'table.md'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(s.outDir, 'results.json'),
    `${JSON.stringify({ method, network, ...(status ? { status } : {}), settings: s, summary: patternResults, runs: Object.fromEntries(results) }, null, 1)}\n`,
  );
  const bars = (value: (f: PatternResult['figures'][Placement]) => number) =>
    s.placements.map((p) => ({ name: p, values: patternResults.map((r) => value(r.figures[p])) }));
  writeFileSync(
    join(s.outDir, 'run-time.svg'),
    barChart({
      title: `DAG run time, ${s.invokers} invokers (median of ${s.reps}${status ? ', partial' : ''})`,
      yLabel: 'seconds',
      groups: patternResults.map((r) => r.pattern),
      bars: bars((f) => f?.seconds ?? 0),
      yFormat: (v) => v.toFixed(1),
    }),
  );
  writeFileSync(
    join(s.outDir, 'remote-bytes.svg'),
    barChart({
      title: 'Bytes moved to and from the remote store (MiB, read + written)',
      yLabel: 'MiB',
      groups: patternResults.map((r) => r.pattern),
      bars: bars((f) => (f?.remoteBytes ?? 0) / 2 ** 20),
      yFormat: (v) => v.toFixed(0),
    }),
  );
  writeFileSync(
    join(s.outDir, 'local-inputs.svg'),
    barChart({
      title: 'Local-input fraction (input bytes read from the local store)',
      yLabel: '%',
      groups: patternResults.map((r) => r.pattern),
      bars: bars((f) => 100 * (f?.localInputFraction ?? 0)),
      yFormat: (v) => v.toFixed(0),
    }),
  );
  if (print) process.stdout.write(`${lines.join('\n')}\n`);
}

runMain('bench:dag', async () => {
  await main();
  process.exit(0);
});
