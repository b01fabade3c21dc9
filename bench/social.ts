/**
 * `npm run bench:social`: the Palette paper's social-network cache experiment (EuroSys 2023, §6),
 * on the pinned defaults of DECISIONS.md. See bench/lib/social-trace.ts for the workload,
 * bench/lib/social-sim.ts for the simulation model, bench/social/platform-run.ts for the platform.
 *
 *   npm run bench:social                         simulation sweep, every policy, invokers 1..24
 *   npm run bench:social -- --agree              + simulation vs platform at 4 invokers (small trace)
 *   npm run bench:social -- --platform           + the 24-invoker row of every policy on the platform
 *   npm run bench:social -- --report-only        tables and plots again from the stored JSON (no simulation)
 *   options: --graph FILE|sbm|ba (sbm, ba: a generated 10,000-user graph, bench/social/graphs.ts)
 *            --requests N  --zipf S  --cache N  --seed N  --invokers 1,2,4
 *            --platform-requests N  --platform-invokers N  --agree-requests N  --agree-invokers N
 *            --policies a,b  --window-factor K  --release-lag L  --kafka  --out DIR
 *
 * Results (Markdown table, JSON, SVG plots) go to results/social/. Platform and agreement results
 * are kept in their own JSON files, so a later simulation-only run keeps them in the table; their
 * simulation columns are recomputed on every run, so they always show the current model.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Progress } from './lib/progress.js';
import {
  DEFAULT_SIM,
  issueOrder,
  POLICY_SPECS,
  pooledHitRatio,
  simulate,
  type PolicySpec,
  type RunResult,
  type SimOptions,
} from './lib/social-sim.js';
import { frontierSpecs, LOCALITY_SPECS, type FrontierPoint } from './lib/social-locality.js';
import { generateGraph, generateTrace, loadGraph, tracePrefix, type Trace } from './lib/social-trace.js';
import { lineChart } from './lib/svg.js';
import { generatedGraph } from './social/graphs.js';
import { commandLine } from '../src/platform/cli.js';
import { runMain } from '../src/platform/start-errors.js';

const REED98 = new URL('../../shared/data/socfb-Reed98/socfb-Reed98.edges', import.meta.url).pathname;

const usage = `npm run bench:social -- [options]
  The Palette paper's social-network cache experiment; see bench/social.ts.
  (none)        simulation sweep, every policy, invokers 1..24
  --agree       + simulation vs platform at 4 invokers (small trace)
  --platform    + the 24-invoker row of every policy on the platform
  --report-only tables and plots again from the stored JSON (no simulation)
  options: --graph FILE|sbm|ba  --requests N  --zipf S  --cache N  --posts N  --seed N  --invokers 1,2,4
           --platform-requests N  --platform-invokers N  --agree-requests N  --agree-invokers N
           --policies a,b  --window-factor K  --release-lag L  --kafka  --out DIR`;

const args = commandLine({
  name: 'bench:social',
  usage,
  options: {
    graph: { type: 'string' },
    requests: { type: 'string', default: '72000' },
    zipf: { type: 'string', default: '0.99' },
    cache: { type: 'string', default: '25' },
    posts: { type: 'string', default: '10' },
    seed: { type: 'string', default: '2023' },
    invokers: { type: 'string', default: '1,2,4,8,16,24' },
    policies: { type: 'string' },
    'window-factor': { type: 'string', default: '4' },
    'release-lag': { type: 'string', default: String(DEFAULT_SIM.releaseLag) },
    platform: { type: 'boolean', default: false },
    'platform-requests': { type: 'string' },
    'platform-invokers': { type: 'string', default: '24' },
    agree: { type: 'boolean', default: false },
    'agree-requests': { type: 'string', default: '3000' },
    'agree-invokers': { type: 'string', default: '4' },
    kafka: { type: 'boolean', default: false },
    out: { type: 'string', default: 'results/social' },
    frontier: { type: 'boolean', default: false },
    'report-only': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    'npm run bench:social [-- --platform --agree --frontier --invokers 1,2,4 --policies a,b --graph FILE ...]\n' +
      'See the header of bench/social.ts for every option.\n',
  );
  process.exit(0);
}

const requests = Number(args.requests);
const cacheSize = Number(args.cache);
const windowFactor = Number(args['window-factor']);
const invokerCounts = args.invokers!.split(',').map(Number);
/** The paper's policies (simulation and platform), then issue 17's rows (simulation). */
const ALL_SPECS = [...POLICY_SPECS, ...LOCALITY_SPECS];
const wanted = (s: PolicySpec) => !args.policies || args.policies.split(',').includes(s.label);
const specs = POLICY_SPECS.filter(wanted);
const simSpecs = ALL_SPECS.filter(wanted);
/** On the platform: the paper's policies and issue 17's rows that the platform can run (spec.platform). */
const platformSpecs = simSpecs.filter((s) => POLICY_SPECS.includes(s) || s.platform);
const outDir = args.out!;
mkdirSync(outDir, { recursive: true });

const graphPath = args.graph ?? (existsSync(REED98) ? REED98 : undefined);
const graph =
  graphPath === 'sbm' || graphPath === 'ba'
    ? generatedGraph(graphPath)
    : graphPath
      ? loadGraph(graphPath)
      : generateGraph();
const trace = generateTrace(graph, {
  requests,
  zipfExponent: Number(args.zipf),
  postsPerUser: Number(args.posts),
  timelineLength: 10,
  seed: Number(args.seed),
});
/** One closed-loop client per invoker; look-ahead `windowFactor` x concurrency. */
const loopFor = (invokers: number) => ({ concurrency: invokers, window: windowFactor * invokers });
const releaseLag = Number(args['release-lag']);
const simOptions = (invokers: number): SimOptions => ({
  ...DEFAULT_SIM,
  cacheSize,
  releaseLag,
  invokers,
  ...loopFor(invokers),
});

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const method = [
  `Graph: ${graph.source} (${graph.users} users, ${graph.edges} friendships). ${trace.options.postsPerUser} posts per user;`,
  `ReadUserTimeline = the user's 10 newest posts; ReadHomeTimeline = the newest post of up to 10 friends (those whose newest post is newest).`,
  `${requests} requests, half of each kind, users Zipf(${trace.options.zipfExponent}) over a fixed random ranking, seed ${trace.options.seed};`,
  `color = requesting user; per-container LRU of ${cacheSize} posts; ${trace.postReads} post reads, ${trace.distinctPosts} distinct posts.`,
  `Replay: closed loop per color (a color's next request after its previous answer), as many requests in flight as invokers,`,
  `look-ahead window ${windowFactor} x invokers trace positions. Invokers 2,048 MB, timeline 256 MB (8 containers each).`,
  `Simulation (time unit: one warm request): container freed ${releaseLag} and controller slot ${DEFAULT_SIM.slotLag} after the answer, the color's next request ${DEFAULT_SIM.clientLag} after it;`,
  `bounded-loads floor ${DEFAULT_SIM.boundFloor} (PALETTE_BOUND_FLOOR, the platform default).`,
  `Hit ratio = post hits / post reads. Load = requests per invoker (max/mean). Off-home = share placed off the policy's home (spilled or forced).`,
  `Pooled ideal = one LRU of ${cacheSize} x N posts on the same closed-loop order; ceiling = 1 - distinct posts / post reads = ${pct(trace.ceiling)}.`,
  `bounded-loads = consistent-hash within PALETTE_BOUND=1.25; the other hashing policies run unbounded (PALETTE_BOUND=0).`,
  `Paper-reproduction rows run with replication off. Issue 17's rows (simulation): co-access = the planner's plan of the friendship graph`,
  `(capacity factor 1.1, each user's rate counted from the trace) pinned over consistent-hash; + replication = PALETTE_REPLICATION=on`,
  `(hot above 1.25 x the mean invoker's rate, at most 4 homes, used only while the first home is over the bounded-loads bound, floor 2;`,
  `the co-access plan is the one npm run plan pins). Platform rows of issue 17 pin the same plan for the guest namespace before the controller starts.`,
  `x random = hit ratio / random's in the same run; edge locality = share of friendships whose users share a home invoker.`,
];

interface SimRow {
  invokers: number;
  pooled: number;
  ceiling: number;
  results: RunResult[];
}

function runSimulation(): SimRow[] {
  const rows: SimRow[] = [];
  const progress = new Progress('simulation', invokerCounts.length * simSpecs.length);
  let done = 0;
  for (const invokers of invokerCounts) {
    const { concurrency, window } = loopFor(invokers);
    const pooled = pooledHitRatio(
      issueOrder(trace, concurrency, window, DEFAULT_SIM.seed),
      cacheSize * invokers,
    );
    const results: RunResult[] = [];
    for (const spec of simSpecs) {
      results.push(simulate(trace, spec, simOptions(invokers)));
      progress.update(++done, `${spec.label} @${invokers}`);
    }
    rows.push({ invokers, pooled, ceiling: trace.ceiling, results });
  }
  progress.finish();
  return rows;
}

interface AgreeRow {
  label: string;
  platform: RunResult;
  simulation: RunResult;
}

/** Loaded only when the platform is asked for, so the simulation runs without starting anything. */
const platformModule = () => import('./social/platform-run.js');

async function runAgreement(
  couchUrl: string,
): Promise<{ invokers: number; requests: number; rows: AgreeRow[] }> {
  const invokers = Number(args['agree-invokers']);
  const small = tracePrefix(trace, Number(args['agree-requests']));
  const rows: AgreeRow[] = [];
  const { runOnPlatform } = await platformModule();
  for (const spec of specs) {
    const platform = await runOnPlatform(
      small,
      spec,
      { invokers, cacheSize, kafka: args.kafka!, ...loopFor(invokers) },
      couchUrl,
    );
    const simulation = simulate(small, spec, simOptions(invokers));
    rows.push({ label: spec.label, platform, simulation });
  }
  return { invokers, requests: small.requests.length, rows };
}

interface PlatformRow {
  invokers: number;
  requests: number;
  pooled: number;
  ceiling: number;
  results: RunResult[];
  simulated: RunResult[];
}

/** Each policy's run is saved (merged into platform.json) as soon as it ends: a long run that fails keeps the rest. */
async function runPlatformRow(couchUrl: string, save: (row: PlatformRow) => void): Promise<void> {
  const invokers = Number(args['platform-invokers']);
  const count = Number(args['platform-requests'] ?? requests);
  const part: Trace = count < trace.requests.length ? tracePrefix(trace, count) : trace;
  const { concurrency, window } = loopFor(invokers);
  const pooled = pooledHitRatio(
    issueOrder(part, concurrency, window, DEFAULT_SIM.seed),
    cacheSize * invokers,
  );
  const { runOnPlatform } = await platformModule();
  for (const spec of platformSpecs) {
    const result = await runOnPlatform(
      part,
      spec,
      { invokers, cacheSize, kafka: args.kafka!, ...loopFor(invokers) },
      couchUrl,
    );
    save({
      invokers,
      requests: part.requests.length,
      pooled,
      ceiling: part.ceiling,
      results: [result],
      simulated: [simulate(part, spec, simOptions(invokers))],
    });
  }
}

const readJson = <T>(file: string): T | undefined =>
  existsSync(join(outDir, file)) ? (JSON.parse(readFileSync(join(outDir, file), 'utf8')) as T) : undefined;
const writeJson = (file: string, value: unknown) =>
  writeFileSync(join(outDir, file), `${JSON.stringify(value, null, 1)}\n`);

function report(sim: SimRow[]): void {
  const platform = readJson<PlatformRow>('platform.json');
  const agreement = readJson<Awaited<ReturnType<typeof runAgreement>>>('agreement.json');
  const lines: string[] = [
    '# Social-network cache experiment (Palette, EuroSys 2023)',
    '',
    '## Method',
    '',
    ...method.map((l) => l),
    '',
  ];
  const row = (r: RunResult, extra = '') =>
    `| ${r.label} | ${pct(r.hitRatio)} | ${r.maxMeanLoad.toFixed(2)} | ${pct(r.offHomeShare)} | ${r.containers} |${extra}`;
  if (platform) {
    const random = platform.results.find((r) => r.label === 'random');
    const best = [...platform.results].sort((a, b) => b.hitRatio - a.hitRatio)[0]!;
    lines.push(
      `## ${platform.invokers} invokers on the real platform (${platform.requests} requests)`,
      '',
      `In-process bus, invokers in this process, actions in warm child processes, posts in CouchDB (pouchdb-server). Containers = distinct containers that answered.`,
      '',
      'x random divides by random of the same run (R21); by plan / replica = activations the controller placed by the co-access pin / on a replica home (palette_activations_placed_by_total).',
      '',
      '| policy | hit ratio | max/mean load | off-home | containers | seconds | x random | % of pooled ideal | by plan / replica | simulation of the same requests: hit ratio, max/mean, off-home |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...platform.results.map((r) => {
        const s = platform.simulated?.find((x) => x.label === r.label);
        const times = random && random.hitRatio > 0 ? `${(r.hitRatio / random.hitRatio).toFixed(1)}x` : '';
        const by =
          r.planned !== undefined
            ? `${pct(r.planned / r.requests)} / ${pct((r.replica ?? 0) / r.requests)}`
            : '';
        return row(
          r,
          ` ${r.seconds?.toFixed(0)} | ${times} | ${(100 * (r.hitRatio / platform.pooled)).toFixed(0)}% | ${by} | ${s ? `${pct(s.hitRatio)}, ${s.maxMeanLoad.toFixed(2)}, ${pct(s.offHomeShare)}` : ''} |`,
        );
      }),
      `| pooled ideal (one LRU of ${cacheSize * platform.invokers}) | ${pct(platform.pooled)} | | | | | | | | |`,
      `| compulsory-miss ceiling | ${pct(platform.ceiling)} | | | | | | | | |`,
      '',
    );
    if (random) {
      lines.push(
        `Best policy ${best.label}: ${pct(best.hitRatio)} vs random ${pct(random.hitRatio)} = ${(best.hitRatio / random.hitRatio).toFixed(1)}x; ` +
          `${(100 * (best.hitRatio / platform.pooled)).toFixed(0)}% of the pooled ideal.`,
        '',
      );
    }
  }
  if (agreement) {
    lines.push(
      `## Simulation vs platform (${agreement.invokers} invokers, first ${agreement.requests} requests)`,
      '',
      '| policy | hit ratio platform | hit ratio simulation | difference (points) | max/mean platform | max/mean simulation | off-home platform | off-home simulation |',
      '|---|---|---|---|---|---|---|---|',
      ...agreement.rows.map(
        (a) =>
          `| ${a.label} | ${pct(a.platform.hitRatio)} | ${pct(a.simulation.hitRatio)} | ${(100 * (a.simulation.hitRatio - a.platform.hitRatio)).toFixed(1)} | ` +
          `${a.platform.maxMeanLoad.toFixed(2)} | ${a.simulation.maxMeanLoad.toFixed(2)} | ${pct(a.platform.offHomeShare)} | ${pct(a.simulation.offHomeShare)} |`,
      ),
      '',
    );
  }
  reportFrontier(lines);
  lines.push('## Simulation, every invoker count', '');
  for (const s of sim) {
    lines.push(
      `### ${s.invokers} invoker${s.invokers === 1 ? '' : 's'}`,
      '',
      '| policy | hit ratio | max/mean load | off-home | containers | x random | % of pooled ideal | edge locality |',
      '|---|---|---|---|---|---|---|---|',
      ...s.results.map((r) => {
        const random = s.results.find((x) => x.label === 'random');
        const times = random && random.hitRatio > 0 ? `${(r.hitRatio / random.hitRatio).toFixed(1)}x` : '';
        const edges = r.edgeLocality === undefined ? '' : pct(r.edgeLocality);
        return row(r, ` ${times} | ${(100 * (r.hitRatio / s.pooled)).toFixed(0)}% | ${edges} |`);
      }),
      `| pooled ideal (one LRU of ${cacheSize * s.invokers}) | ${pct(s.pooled)} | | | | | | |`,
      `| compulsory-miss ceiling | ${pct(s.ceiling)} | | | | | | |`,
      '',
    );
  }
  writeFileSync(join(outDir, 'table.md'), `${lines.join('\n')}\n`);

  // Headline plot: the table's numbers (the platform's at its invoker count when it ran).
  // Platform points replace simulated ones only when the platform replayed the whole trace.
  const fromPlatform = (label: string, invokers: number) =>
    platform && platform.invokers === invokers && platform.requests === requests
      ? platform.results.find((r) => r.label === label)
      : undefined;
  const platformInPlot = Boolean(platform && platform.requests === requests);
  const series = simSpecs.map((spec) => ({
    name: spec.label,
    points: sim.map((s) => {
      const r = fromPlatform(spec.label, s.invokers) ?? s.results.find((x) => x.label === spec.label)!;
      return [s.invokers, r.hitRatio] as const;
    }),
  }));
  const xTicks = sim.map((s) => s.invokers);
  writeFileSync(
    join(outDir, 'hit-ratio.svg'),
    lineChart({
      title: `Post cache hit ratio, ${requests} requests${platformInPlot ? ` (${platform!.invokers} invokers: platform)` : ' (simulation)'}`,
      xLabel: 'invokers',
      yLabel: 'hit ratio',
      xTicks,
      yMax: 1,
      yFormat: (v) => `${Math.round(v * 100)}%`,
      series: [
        ...series,
        { name: 'pooled ideal', dashed: true, points: sim.map((s) => [s.invokers, s.pooled] as const) },
        { name: 'ceiling', dashed: true, points: sim.map((s) => [s.invokers, s.ceiling] as const) },
      ],
    }),
  );
  writeFileSync(
    join(outDir, 'load.svg'),
    lineChart({
      title: 'Load imbalance (max/mean requests per invoker)',
      xLabel: 'invokers',
      yLabel: 'max/mean load',
      xTicks,
      series: simSpecs.map((spec) => ({
        name: spec.label,
        points: sim.map(
          (s) =>
            [
              s.invokers,
              (fromPlatform(spec.label, s.invokers) ?? s.results.find((x) => x.label === spec.label)!)
                .maxMeanLoad,
            ] as const,
        ),
      })),
      yFormat: (v) => v.toFixed(1),
    }),
  );
}

/** Hit ratio vs max/mean for c in {1.1, 1.25, 1.5, 2}, with and without replication, at the largest invoker count. */
function runFrontier(): { invokers: number; points: FrontierPoint[] } {
  const invokers = Math.max(...invokerCounts);
  const all = frontierSpecs();
  const progress = new Progress('frontier', all.length);
  const points = all.map(({ family, factor, spec }, i) => {
    const r = simulate(trace, spec, simOptions(invokers));
    progress.update(i + 1, spec.label);
    return { family, factor, hitRatio: r.hitRatio, maxMeanLoad: r.maxMeanLoad };
  });
  progress.finish();
  return { invokers, points };
}

function reportFrontier(lines: string[]): void {
  const frontier = readJson<{ invokers: number; points: FrontierPoint[] }>('frontier.json');
  if (!frontier) return;
  const families = [...new Set(frontier.points.map((p) => p.family))];
  lines.push(
    `## Frontier at ${frontier.invokers} invokers (simulation): hit ratio against max/mean load`,
    '',
    'c = PALETTE_BOUND for bounded loads, the capacity factor for co-access plans, and the hot threshold for replication. Plot: frontier.svg.',
    '',
    '| family | c | hit ratio | max/mean load |',
    '|---|---|---|---|',
    ...frontier.points.map(
      (p) => `| ${p.family} | ${p.factor} | ${pct(p.hitRatio)} | ${p.maxMeanLoad.toFixed(2)} |`,
    ),
    '',
  );
  const xMax = Math.ceil(Math.max(...frontier.points.map((p) => p.maxMeanLoad)));
  writeFileSync(
    join(outDir, 'frontier.svg'),
    lineChart({
      title: `Hit ratio vs load imbalance, ${frontier.invokers} invokers (c = 1.1, 1.25, 1.5, 2)`,
      xLabel: 'max/mean load',
      yLabel: 'hit ratio',
      xTicks: Array.from({ length: xMax }, (_, i) => i + 1),
      yMax: 0.6,
      yFormat: (v) => `${Math.round(v * 100)}%`,
      series: families.map((family) => ({
        name: family,
        points: frontier.points
          .filter((p) => p.family === family)
          .map((p) => [p.maxMeanLoad, p.hitRatio] as const)
          .sort((a, b) => a[0] - b[0]),
      })),
    }),
  );
}

/** Runs of some policies (--policies) replace those policies' rows of an earlier run of the same size. */
function mergeResults<
  T extends { invokers: number; requests: number; results: RunResult[]; simulated: RunResult[] },
>(old: T | undefined, fresh: T): T {
  if (!old || old.invokers !== fresh.invokers || old.requests !== fresh.requests) return fresh;
  const merge = (a: RunResult[], b: RunResult[]) => {
    const byLabel = new Map(a.map((r) => [r.label, r]));
    for (const r of b) byLabel.set(r.label, r);
    return ALL_SPECS.map((s) => byLabel.get(s.label)).filter((r): r is RunResult => r !== undefined);
  };
  return {
    ...fresh,
    results: merge(old.results, fresh.results),
    simulated: merge(old.simulated ?? [], fresh.simulated),
  };
}

function mergeRows<T extends { invokers: number; requests: number; rows: AgreeRow[] }>(
  old: T | undefined,
  fresh: T,
): T {
  if (!old || old.invokers !== fresh.invokers || old.requests !== fresh.requests) return fresh;
  const byLabel = new Map(old.rows.map((r) => [r.label, r]));
  for (const r of fresh.rows) byLabel.set(r.label, r);
  return {
    ...fresh,
    rows: POLICY_SPECS.map((s) => byLabel.get(s.label)).filter((r): r is AgreeRow => r !== undefined),
  };
}

/** Re-simulates the requests of the stored platform and agreement runs with the current model. */
function refreshSimulated(): void {
  const specFor = (label: string) => ALL_SPECS.find((s) => s.label === label)!;
  const partOf = (count: number): Trace =>
    count < trace.requests.length ? tracePrefix(trace, count) : trace;
  const agreement = readJson<Awaited<ReturnType<typeof runAgreement>>>('agreement.json');
  if (agreement) {
    const part = partOf(agreement.requests);
    const rows = agreement.rows.map((a) => ({
      ...a,
      simulation: simulate(part, specFor(a.label), simOptions(agreement.invokers)),
    }));
    writeJson('agreement.json', { ...agreement, rows });
  }
  const platform = readJson<PlatformRow>('platform.json');
  if (platform) {
    const part = partOf(platform.requests);
    const simulated = platform.results.map((r) =>
      simulate(part, specFor(r.label), simOptions(platform.invokers)),
    );
    writeJson('platform.json', { ...platform, simulated });
  }
}

async function main(): Promise<void> {
  process.stderr.write(`${method.join('\n')}\n`);
  const began = Date.now();
  // --report-only: the tables and plots again from the stored simulation (after a platform run elsewhere).
  const stored = args['report-only'] ? readJson<SimRow[]>('simulation.json') : undefined;
  const sim = stored ?? runSimulation();
  if (!stored) writeJson('simulation.json', sim);
  if (args.frontier) writeJson('frontier.json', runFrontier());
  if (args.agree || args.platform) {
    const { benchCouch, seedPosts } = await platformModule();
    const couch = await benchCouch();
    try {
      await seedPosts(couch.url, graph.users, trace.options.postsPerUser);
      if (args.agree)
        writeJson('agreement.json', mergeRows(readJson('agreement.json'), await runAgreement(couch.url)));
      if (args.platform)
        await runPlatformRow(couch.url, (row) =>
          writeJson('platform.json', mergeResults(readJson('platform.json'), row)),
        );
    } finally {
      await couch.stop();
    }
  }
  refreshSimulated();
  report(sim);
  process.stdout.write(readFileSync(join(outDir, 'table.md'), 'utf8'));
  process.stderr.write(`done in ${((Date.now() - began) / 1000).toFixed(0)} s; results in ${outDir}/\n`);
}

runMain('bench:social', async () => {
  await main();
  process.exit(0);
});
