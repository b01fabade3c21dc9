/**
 * `npm run bench:dag`: Palette's data-parallel experiment (serverless Dask on Task Bench, EuroSys
 * 2023: run time -46%) on our platform with the `dag-task` action.
 *
 * For every Task Bench pattern (stencil, fft, tree, all-to-all) the DAG runs through the real
 * platform (startPlatform: controller, REST API, invokers, CouchDB) as a dataflow: a task is invoked
 * (blocking, result=true) as soon as all its inputs are done. A task's output goes to its invoker's
 * local store; a consumer on the same invoker reads it there, any other consumer fetches it from
 * CouchDB, and the action reports the bytes it read and wrote remotely.
 *
 * Remote writes: a task writes its output to CouchDB too, unless every consumer has its color
 * (then the bench passes `remote: false`: the consumers are expected on the same invoker). If a
 * color moved anyway (bounded loads spilled it, or its invoker left), the consumer finds an input
 * in neither store and says so; the bench counts the miss, recomputes the producer with
 * `remote: true`, and retries the consumer. Locality-oblivious placements always write remotely.
 *
 * Placements compared:
 * - chain: chain coloring, colors through the product default (consistent-hash within bound 1.25);
 * - virtual: virtual-worker coloring (V = 2 x invokers), same policy;
 * - block: chain coloring, the chains pinned by block placement (src/dag planChains: the chain graph
 *   planned over the invokers) through the affinity route before each run, as an application does;
 * - random, round-robin: no colors, PALETTE_BASELINE=random / round-robin (locality-oblivious).
 * After one unmeasured warm-up run of every DAG, each configuration runs `--reps` times with fresh
 * color names, placements in rotating order; the median run time is reported.
 *
 *   npm run bench:dag -- [--invokers 4] [--width 8] [--steps 6] [--size 1048576] [--compute-ms 0]
 *                        [--reps 3] [--patterns stencil,fft,tree,all-to-all] [--kafka] [--out results/dag]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startPlatform, type Platform } from '../src/platform/platform.js';
import type { PolicyName } from '../src/balancer/types.js';
import {
  buildDag,
  chainColoring,
  localOnlyOutputs,
  PATTERNS,
  virtualWorkerColoring,
  type Dag,
  type Pattern,
} from './lib/dag.js';
import { Progress } from './lib/progress.js';
import { barChart } from './lib/svg.js';
import { benchCouch } from './social/platform-run.js';
import { median } from './lib/stats.js';
import { commandLine } from '../src/platform/cli.js';
import { edgeList, planChains } from '../src/dag/index.js';
import { runMain } from '../src/platform/start-errors.js';

const usage = `npm run bench:dag -- [--invokers 4] [--width 8] [--steps 6] [--size 1048576] [--compute-ms 0]
                     [--reps 3] [--patterns stencil,fft,tree,all-to-all] [--kafka] [--out results/dag]
  Palette's data-parallel experiment (Task Bench DAGs) on the platform; see bench/dag.ts.`;

const args = commandLine({
  name: 'bench:dag',
  usage,
  options: {
    invokers: { type: 'string', default: '4' },
    width: { type: 'string', default: '8' },
    steps: { type: 'string', default: '6' },
    size: { type: 'string', default: String(1024 * 1024) },
    'compute-ms': { type: 'string', default: '0' },
    reps: { type: 'string', default: '3' },
    patterns: { type: 'string', default: PATTERNS.join(',') },
    kafka: { type: 'boolean', default: false },
    out: { type: 'string', default: 'results/dag' },
  },
});

const invokers = Number(args.invokers);
const width = Number(args.width);
const steps = Number(args.steps);
const size = Number(args.size);
const computeMs = Number(args['compute-ms']);
const reps = Number(args.reps);
const patterns = args.patterns!.split(',') as Pattern[];
const outDir = args.out!;
const DB = 'bench_dag';

type Placement = 'chain' | 'block' | 'virtual' | 'random' | 'round-robin';
const PLACEMENTS: readonly Placement[] = ['chain', 'block', 'virtual', 'random', 'round-robin'];

interface TaskResult {
  invoker: string;
  bytesReadLocal: number;
  bytesReadRemote: number;
  bytesWrittenRemote?: number;
  /** A string, or, for inputs in neither the local nor the remote store, their keys. */
  error?: string | { message: string; missing?: string[] };
}

interface RunMeasure {
  seconds: number;
  /** Input bytes read from CouchDB. */
  bytesRemote: number;
  bytesWrittenRemote: number;
  bytesLocal: number;
  invokersUsed: number;
  /** Tasks that wrote only locally. */
  localOnly: number;
  /** Consumer calls that found an input in neither store (then the producer was recomputed). */
  misses: number;
  recomputed: number;
}

async function startFor(baseline: PolicyName, couchUrl: string): Promise<Platform> {
  const prefix = `d${randomBytes(4).toString('hex')}_`;
  const platform = await startPlatform({
    projectKafka: args.kafka!,
    overrides: {
      port: 0,
      invokers,
      policy: 'consistent-hash',
      bound: 1.25,
      baseline,
      couchdbUrl: couchUrl,
      dbPrefix: prefix,
      kafkaTopicPrefix: prefix,
      logLevel: 'silent',
    },
  });
  await platform.waitForHealthyInvokers(invokers, 120_000);
  const code = readFileSync(new URL('../actions/dag-task.js', import.meta.url), 'utf8');
  const reply = await fetch(`${platform.apiHost}/api/v1/namespaces/_/actions/dag-task?overwrite=true`, {
    method: 'PUT',
    headers: { authorization: authOf(platform), 'content-type': 'application/json' },
    body: JSON.stringify({ exec: { kind: 'nodejs:20', code } }),
  });
  if (reply.status !== 200) throw new Error(`creating dag-task: HTTP ${reply.status} ${await reply.text()}`);
  return platform;
}

/**
 * Block placement through the affinity route, as an application pins it (examples/dag): the chain
 * graph planned here with the kept seed is what the route plans and pins for these colors.
 */
async function pinChains(platform: Platform, dag: Dag, prefix: string): Promise<void> {
  const ids = Array.from({ length: invokers }, (_, i) => i);
  const planned = planChains(dag, ids, { prefix });
  const reply = await fetch(
    `${platform.apiHost}/palette/v1/namespaces/_/affinity?capacityFactor=1.1&seed=${planned.seed}`,
    {
      method: 'PUT',
      headers: { authorization: authOf(platform), 'content-type': 'text/plain' },
      body: edgeList(planned.graph),
    },
  );
  if (reply.status !== 200) throw new Error(`pinning the chains: HTTP ${reply.status} ${await reply.text()}`);
}

const authOf = (platform: Platform) => `Basic ${Buffer.from(platform.authKey).toString('base64')}`;

/** Runs the DAG as a dataflow through the REST API; colors undefined = uncolored invocations. */
async function runDag(
  platform: Platform,
  dag: Dag,
  colors: readonly number[] | undefined,
  progress: () => void,
  block = false,
): Promise<RunMeasure> {
  const run = randomBytes(4).toString('hex');
  if (block) await pinChains(platform, dag, `${run}:c`);
  const url = `${platform.apiHost}/api/v1/namespaces/_/actions/dag-task?blocking=true&result=true`;
  const auth = authOf(platform);
  const remaining = dag.tasks.map((t) => t.inputs.length);
  const dependents = dag.tasks.map((): number[] => []);
  for (const t of dag.tasks) for (const i of t.inputs) dependents[i]!.push(t.id);
  const localOnly = localOnlyOutputs(dag, colors);
  let bytesRemote = 0;
  let bytesWrittenRemote = 0;
  let bytesLocal = 0;
  let misses = 0;
  let recomputed = 0;
  const used = new Set<string>();
  const idOf = (key: string) => Number(key.slice(run.length + 1));

  /** One task; a miss recomputes the missing producers (writing remotely) and retries, twice at most. */
  const call = async (id: number, remote: boolean): Promise<void> => {
    const task = dag.tasks[id]!;
    const params = {
      key: `${run}:${id}`,
      inputs: task.inputs.map((i) => `${run}:${i}`),
      size,
      computeMs,
      db: DB,
      remote,
      ...(colors ? { __palette_color: `${run}:c${colors[id]}` } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      const reply = await fetch(url, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      const body = (await reply.json()) as TaskResult;
      const missing = typeof body.error === 'object' ? (body.error.missing ?? []) : [];
      if (missing.length > 0) {
        misses++;
        if (attempt === 2)
          throw new Error(`task ${id}: inputs still missing after recomputing them: ${missing.join(', ')}`);
        for (const key of missing) {
          recomputed++;
          await call(idOf(key), true);
        }
        continue;
      }
      if (reply.status !== 200 || body.error)
        throw new Error(`task ${id}: HTTP ${reply.status} ${JSON.stringify(body)}`);
      bytesRemote += body.bytesReadRemote;
      bytesWrittenRemote += body.bytesWrittenRemote ?? 0;
      bytesLocal += body.bytesReadLocal;
      used.add(body.invoker);
      return;
    }
  };

  const began = Date.now();
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    const start = (id: number) => {
      call(id, !localOnly[id])
        .then(() => {
          progress();
          if (++done === dag.tasks.length) return resolve();
          for (const d of dependents[id]!) if (--remaining[d]! === 0) start(d);
        })
        .catch(reject);
    };
    dag.tasks.forEach((t) => t.inputs.length === 0 && start(t.id));
  });
  return {
    seconds: (Date.now() - began) / 1000,
    bytesRemote,
    bytesWrittenRemote,
    bytesLocal,
    invokersUsed: used.size,
    localOnly: localOnly.filter(Boolean).length,
    misses,
    recomputed,
  };
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const method = [
    `Task Bench patterns, width ${width}, steps ${steps} (tree: a binary reduction of ${width} leaves), ${size} bytes per output, ${computeMs} ms compute per task.`,
    `${invokers} invokers on the real platform (in-process bus${args.kafka ? ' replaced by Kafka' : ''}; actions in warm child processes; remote store CouchDB via pouchdb-server).`,
    `chain / virtual: colored (chain coloring; virtual workers V = ${2 * invokers}), placed by consistent-hash within bound 1.25;`,
    `block: chain coloring, chains pinned by block placement (chain graph planned, capacity factor 1.1) through the affinity route;`,
    `random / round-robin: uncolored, PALETTE_BASELINE=random / round-robin. Dataflow execution, blocking invokes. Median of ${reps} runs.`,
    `Every output goes to its invoker's local store; it also goes to CouchDB unless all its consumers have its color (colored placements only).`,
    `Remote MiB = read from CouchDB + written to CouchDB. Misses = consumer calls that found an input in neither store (the producer is then recomputed, writing remotely, and the consumer retried).`,
  ];
  process.stderr.write(`${method.join('\n')}\n`);
  const dags = patterns.map((p) => buildDag(p, width, steps));
  const total = dags.reduce((s, d) => s + d.tasks.length, 0) * PLACEMENTS.length * reps;
  const progress = new Progress('dag', total);
  let finished = 0;
  const tick = () => progress.update(++finished);
  const results = new Map<string, RunMeasure[]>();
  const couch = await benchCouch();
  try {
    await fetch(`${couch.url.replace(/\/$/, '')}/${DB}`, { method: 'PUT' });
    for (const baseline of ['random', 'round-robin'] as const) {
      const platform = await startFor(baseline, couch.url);
      try {
        const placements: Placement[] =
          baseline === 'random' ? ['chain', 'block', 'virtual', 'random'] : ['round-robin'];
        // Warm-up, not measured: every DAG once uncolored, so each invoker has warm containers.
        for (const dag of dags) await runDag(platform, dag, undefined, () => {});
        for (let rep = 0; rep < reps; rep++) {
          for (const dag of dags) {
            // Rotate the order of placements per repetition, so none always runs first.
            for (const placement of placements.map((_, k) => placements[(k + rep) % placements.length]!)) {
              const colors =
                placement === 'chain' || placement === 'block'
                  ? chainColoring(dag)
                  : placement === 'virtual'
                    ? virtualWorkerColoring(dag, 2 * invokers)
                    : undefined;
              const measure = await runDag(platform, dag, colors, tick, placement === 'block');
              const key = `${dag.pattern}/${placement}`;
              results.set(key, [...(results.get(key) ?? []), measure]);
            }
          }
        }
      } finally {
        await platform.stop();
      }
    }
  } finally {
    await couch.stop();
  }
  progress.finish();

  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const lines = [
    '# DAG experiment (Palette: serverless Dask on Task Bench)',
    '',
    '## Method',
    '',
    ...method,
    '',
  ];
  lines.push(
    '| pattern | tasks | placement | run time (s, median) | vs random | remote MiB (read + written) | remote MiB read | remote MiB written | local MiB read | local-only outputs | misses (recomputed) | invokers used |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  const summary: Record<
    string,
    Record<
      string,
      {
        seconds: number;
        remoteMiB: number;
        remoteReadMiB: number;
        remoteWrittenMiB: number;
        localMiB: number;
      }
    >
  > = {};
  for (const dag of dags) {
    const base = median(results.get(`${dag.pattern}/random`)!.map((m) => m.seconds));
    summary[dag.pattern] = {};
    for (const placement of PLACEMENTS) {
      const runs = results.get(`${dag.pattern}/${placement}`)!;
      const seconds = median(runs.map((m) => m.seconds));
      const read = median(runs.map((m) => m.bytesRemote));
      const written = median(runs.map((m) => m.bytesWrittenRemote));
      const moved = median(runs.map((m) => m.bytesRemote + m.bytesWrittenRemote));
      const local = median(runs.map((m) => m.bytesLocal));
      const misses = runs.reduce((sum, m) => sum + m.misses, 0);
      const recomputed = runs.reduce((sum, m) => sum + m.recomputed, 0);
      summary[dag.pattern]![placement] = {
        seconds,
        remoteMiB: moved / 2 ** 20,
        remoteReadMiB: read / 2 ** 20,
        remoteWrittenMiB: written / 2 ** 20,
        localMiB: local / 2 ** 20,
      };
      lines.push(
        `| ${dag.pattern} | ${dag.tasks.length} | ${placement} | ${seconds.toFixed(2)} | ${seconds >= base ? '+' : ''}${(100 * (seconds / base - 1)).toFixed(0)}% | ` +
          `${mib(moved)} | ${mib(read)} | ${mib(written)} | ${mib(local)} | ${runs[0]!.localOnly} | ${misses} (${recomputed}) | ${median(runs.map((m) => m.invokersUsed))} |`,
      );
    }
  }
  const reduction = (placement: Placement) => {
    const total = (p: Placement) => dags.reduce((s, d) => s + summary[d.pattern]![p]!.seconds, 0);
    return 1 - total(placement) / total('random');
  };
  const reductionWithout = (placement: Placement, skip: Pattern) => {
    const kept = dags.filter((d) => d.pattern !== skip);
    const total = (p: Placement) => kept.reduce((s, d) => s + summary[d.pattern]![p]!.seconds, 0);
    return kept.length === 0 ? 0 : 1 - total(placement) / total('random');
  };
  const remoteReduction = (placement: Placement) => {
    const total = (p: Placement) => dags.reduce((s, d) => s + summary[d.pattern]![p]!.remoteMiB, 0);
    return 1 - total(placement) / total('random');
  };
  const change = (v: number) => `${v <= 0 ? '+' : '-'}${Math.abs(100 * v).toFixed(0)}%`;
  lines.push(
    '',
    `Total run time over the patterns vs random: chain ${change(reduction('chain'))}, block ${change(reduction('block'))}, virtual ${change(reduction('virtual'))}, round-robin ${change(reduction('round-robin'))} (paper: -46% on Task Bench).`,
    `Total remote MiB (read + written) vs random: chain ${change(remoteReduction('chain'))}, block ${change(remoteReduction('block'))}, virtual ${change(remoteReduction('virtual'))}, round-robin ${change(remoteReduction('round-robin'))}. ` +
      `Misses are summed over the ${reps} runs.`,
    `Without all-to-all (every task reads every output of the step, so at most 1/invokers of its input can be local): ` +
      `chain ${change(reductionWithout('chain', 'all-to-all'))}, block ${change(reductionWithout('block', 'all-to-all'))}, virtual ${change(reductionWithout('virtual', 'all-to-all'))}, round-robin ${change(reductionWithout('round-robin', 'all-to-all'))}.`,
    '',
  );
  writeFileSync(join(outDir, 'table.md'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(outDir, 'results.json'),
    `${JSON.stringify({ method, summary, runs: Object.fromEntries(results) }, null, 1)}\n`,
  );
  writeFileSync(
    join(outDir, 'run-time.svg'),
    barChart({
      title: `DAG run time, ${invokers} invokers (median of ${reps})`,
      yLabel: 'seconds',
      groups: dags.map((d) => d.pattern),
      bars: PLACEMENTS.map((p) => ({ name: p, values: dags.map((d) => summary[d.pattern]![p]!.seconds) })),
      yFormat: (v) => v.toFixed(1),
    }),
  );
  writeFileSync(
    join(outDir, 'remote-bytes.svg'),
    barChart({
      title: 'Bytes moved to and from the remote store (MiB, read + written)',
      yLabel: 'MiB',
      groups: dags.map((d) => d.pattern),
      bars: PLACEMENTS.map((p) => ({ name: p, values: dags.map((d) => summary[d.pattern]![p]!.remoteMiB) })),
      yFormat: (v) => v.toFixed(0),
    }),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

runMain('bench:dag', async () => {
  await main();
  process.exit(0);
});
