/**
 * `npm run bench:social:skew`: hot-color replication by skew, the simulation behind
 * PALETTE_REPLICATION's default (R21). For Zipf exponents 0.5..1.2 and 8 and 24 invokers, each
 * policy family with and without replication: hit ratio and max/mean load. Writes a Markdown table
 * (default results/social/replication-skew.md) and prints it.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { localitySpec } from '../lib/social-locality.js';
import { DEFAULT_SIM, simulate, type PolicySpec } from '../lib/social-sim.js';
import { generateGraph, generateTrace, loadGraph } from '../lib/social-trace.js';
import { commandLine } from '../../src/platform/cli.js';
import { runMain } from '../../src/platform/start-errors.js';
import { generatedGraph } from './graphs.js';

const REED98 = new URL('../../../shared/data/socfb-Reed98/socfb-Reed98.edges', import.meta.url).pathname;

const usage = `npm run bench:social:skew -- [options]
  Hot-color replication by skew (simulation): hit ratio and max/mean load with and without it.
  --graph FILE|sbm|ba   edge list, or a generated graph (see bench/social/graphs.ts); default socfb-Reed98
  --zipf LIST           Zipf exponents (default 0.5,0.8,0.99,1.2)
  --invokers LIST       invoker counts (default 8,24)
  --requests N          requests per trace (default 72000)
  --out FILE            Markdown table (default results/social/replication-skew.md)`;

const args = commandLine({
  name: 'bench:social:skew',
  usage,
  options: {
    graph: { type: 'string' },
    zipf: { type: 'string', default: '0.5,0.8,0.99,1.2' },
    invokers: { type: 'string', default: '8,24' },
    requests: { type: 'string', default: '72000' },
    out: { type: 'string', default: 'results/social/replication-skew.md' },
  },
});

const numbers = (list: string, what: string): number[] =>
  list.split(',').map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${what}: not a positive number: ${v}`);
    return n;
  });

/** Pairs of columns: each family without and with replication (unbounded as the paper's row, or within 1.25). */
const FAMILIES: readonly { name: string; off: PolicySpec; on: PolicySpec }[] = [
  {
    name: 'consistent-hash',
    off: localitySpec('consistent-hash', { bound: 0 }),
    on: localitySpec('consistent-hash + replication', { bound: 0, replication: true }),
  },
  {
    name: 'bounded-loads',
    off: localitySpec('bounded-loads', { bound: 1.25 }),
    on: localitySpec('bounded-loads + replication', { bound: 1.25, replication: true }),
  },
  {
    name: 'co-access',
    off: localitySpec('co-access', { plan: 1.1, bound: 0 }),
    on: localitySpec('co-access + replication', { plan: 1.1, bound: 0, replication: true }),
  },
];

async function main(): Promise<void> {
  const zipfs = numbers(args.zipf!, 'zipf');
  const invokerCounts = numbers(args.invokers!, 'invokers');
  const requests = numbers(args.requests!, 'requests')[0]!;
  const graph =
    args.graph === 'sbm' || args.graph === 'ba'
      ? generatedGraph(args.graph)
      : args.graph
        ? loadGraph(args.graph)
        : existsSync(REED98)
          ? loadGraph(REED98)
          : generateGraph();
  const load = [loadavg()[0]!];
  const cell = (r: { hitRatio: number; maxMeanLoad: number }) =>
    `${(100 * r.hitRatio).toFixed(1)}% ${r.maxMeanLoad.toFixed(2)}`;
  const rows: string[] = [];
  const worst = { points: 0, where: '' };
  for (const zipfExponent of zipfs) {
    const trace = generateTrace(graph, {
      requests,
      zipfExponent,
      postsPerUser: 10,
      timelineLength: 10,
      seed: 2023,
    });
    for (const invokers of invokerCounts) {
      const options = { ...DEFAULT_SIM, invokers, concurrency: invokers, window: 4 * invokers };
      const cells: string[] = [];
      for (const family of FAMILIES) {
        const off = simulate(trace, family.off, options);
        const on = simulate(trace, family.on, options);
        cells.push(cell(off), cell(on));
        const lost = 100 * (off.hitRatio - on.hitRatio);
        if (lost > worst.points) {
          worst.points = lost;
          worst.where = `${family.name}, Zipf ${zipfExponent}, ${invokers} invokers`;
        }
        process.stderr.write(`Zipf ${zipfExponent} @${invokers} ${family.name} done\n`);
      }
      rows.push(`| ${zipfExponent} | ${invokers} | ${cells.join(' | ')} |`);
      load.push(loadavg()[0]!);
    }
  }
  const text = [
    `# Hot-color replication by skew (simulation, ${graph.source}, ${requests} requests, seed 2023)`,
    '',
    "The simulation behind PALETTE_REPLICATION's default (R21). Each cell: hit ratio, max/mean load (requests per invoker).",
    "Replication (load-dependent): a color above 1.25 x the mean invoker's rate gets up to 4 homes, and leaves its first home only",
    'while that home is over the bounded-loads bound (max(2, ceil(1.25 x mean in-flight))); ties stay with the first home.',
    "bounded-loads: PALETTE_BOUND=1.25, floor 2. co-access: the planner's plan (capacity factor 1.1), as `npm run plan` pins it.",
    `Script: \`npm run bench:social:skew\` (bench/social/replication-skew.ts), run ${new Date().toISOString().slice(0, 10)};`,
    `load average during the run ${Math.min(...load).toFixed(1)}-${Math.max(...load).toFixed(1)} on ${cpus().length} cores (simulation results do not depend on it).`,
    '',
    '| Zipf | invokers | consistent-hash | + replication | bounded-loads | + replication | co-access | + replication |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    worst.points > 0
      ? `Largest hit-ratio cost of replication: ${worst.points.toFixed(1)} points (${worst.where}).`
      : 'Replication never lowered the hit ratio.',
    '',
  ].join('\n');
  writeFileSync(args.out!, text);
  process.stdout.write(text);
}

runMain('bench:social:skew', main);
