/**
 * `npm run bench:scale` (DECISIONS R17): the balancer and the color table far beyond the test
 * platform, simulated in process (no Kafka, no controller): 1,000 invokers and 10,000,000 colors
 * against 24 / 100,000.
 *
 * Printed:
 * 1. Decision cost per policy: ns per `choose` (median of 3 rounds of 1,000,000 Zipf(0.99)
 *    requests after a warm-up round; loads of 0..8 activations per invoker; least-assigned's
 *    table holds every color first).
 * 2. Memory per color of the least-assigned table (ColorTable): heap delta after forced GCs over
 *    the table filled with C flat color strings, string included; colors `user-<8 digits>` (13
 *    characters) and padded to 64. Target <= 200 bytes.
 * 3. Remap when 1% of the invokers leave or join (at least one): the share of colors whose home
 *    changes, against changed/N + 1 pp for the hashing policies; for least-assigned, whether only
 *    the lost invokers' colors moved (a join moves none). openwhisk-sharding (home = hash mod N) is
 *    the baseline that is not expected to meet the bound (it places by namespace/action, not by
 *    color, so here each color has an action of its own).
 * 4. Table start-up: PersistentColorTable.start() (the real loader: `_all_docs` pages of 5,000 with
 *    documents, then the changes feed) against a real pouchdb-server (in memory) holding 100,000
 *    and 1,000,000 color documents, and at 10,000,000 against generated `_all_docs` pages in
 *    CouchDB's format served on loopback by a child process (bench/lib/all-docs-server.ts).
 * Each measurement runs in a child process (fresh heap; its peak RSS printed), with
 * --max-old-space-size=8192 and --expose-gc.
 *
 * Knobs: SCALE_QUICK=1 (100,000 colors at the large scale, for a smoke run), SCALE_REMAP_COLORS
 * (colors in the remap measurement at the large scale; default 1,000,000), SCALE_COUCH_MAX
 * (largest pouchdb-server start-up; default 1,000,000).
 */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { PolicyName } from '../src/balancer/types.js';
import { servePages } from './lib/all-docs-server.js';
import { decide, memory, remap, startupCouch, startupPages } from './lib/scale-tasks.js';
import { commandLine } from '../src/platform/cli.js';

// --help and one-line refusals (R26); settings come from the environment.
if (!process.argv.includes('--child'))
  commandLine({
    name: 'bench:scale',
    usage: `npm run bench:scale
  The balancer and the color table at 1,000 invokers and 10,000,000 colors (R17).
  Settings (environment): SCALE_QUICK=1, SCALE_REMAP_COLORS, SCALE_COUCH_MAX.
  --help    this text`,
    options: {},
  });

const quick = process.env.SCALE_QUICK === '1';
const SMALL = { invokers: 24, colors: 100_000 };
const LARGE = { invokers: 1_000, colors: quick ? 100_000 : 10_000_000 };
const remapColorsLarge = Number(process.env.SCALE_REMAP_COLORS ?? (quick ? 100_000 : 1_000_000));
const couchMax = Number(process.env.SCALE_COUCH_MAX ?? (quick ? 100_000 : 1_000_000));
const policies: PolicyName[] = [
  'round-robin',
  'random',
  'openwhisk-sharding',
  'consistent-hash',
  'bucket-hash',
  'least-assigned',
];
const hashing: PolicyName[] = ['openwhisk-sharding', 'consistent-hash', 'bucket-hash', 'least-assigned'];
const nodeArgs = ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx'];
const script = fileURLToPath(import.meta.url);

type Json = Record<string, unknown> & { maxRssMB: number };

function child(args: (string | number)[]): Json {
  const run = spawnSync(process.execPath, [...nodeArgs, script, '--child', ...args.map(String)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) throw new Error(`${args.join(' ')}: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Json;
}

/** The page server in its own process, as CouchDB would be. */
async function withPageServer<T>(colors: number, invokers: number, use: (port: number) => T): Promise<T> {
  const server = spawn(
    process.execPath,
    [...nodeArgs, script, '--child', 'serve-pages', colors, invokers].map(String),
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout!.once('data', (chunk: Buffer) =>
        resolve((JSON.parse(chunk.toString()) as { port: number }).port),
      );
      server.once('exit', (code) => reject(new Error(`page server exited with ${code}`)));
    });
    return use(port);
  } finally {
    server.kill('SIGTERM');
  }
}

async function runChild(args: string[]): Promise<void> {
  const [task, ...rest] = args;
  const n = rest.map(Number);
  let out: unknown;
  switch (task) {
    case 'decide':
      out = decide(rest[0] as PolicyName, n[1]!, n[2]!);
      break;
    case 'memory':
      out = memory(n[0]!, n[1]!);
      break;
    case 'remap':
      out = remap(rest[0] as PolicyName, n[1]!, n[2]!);
      break;
    case 'startup-couch':
      out = await startupCouch(n[0]!, n[1]!);
      break;
    case 'startup-pages':
      out = await startupPages(n[0]!, n[1]!);
      break;
    case 'serve-pages': {
      const port = await servePages(n[0]!, n[1]!, 'scale_palette_colors');
      process.stdout.write(`${JSON.stringify({ port })}\n`);
      return; // serves until killed
    }
    default:
      throw new Error(`unknown task ${task}`);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

const f1 = (x: number) => x.toFixed(1);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const count = (x: number) => x.toLocaleString('en-US');
const scaleLabel = (s: { invokers: number; colors: number }) =>
  `${count(s.invokers)} inv / ${count(s.colors)} colors`;

async function main(): Promise<void> {
  console.log(
    `## bench:scale (Node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map(f1).join(' ')})`,
  );
  console.log('');
  console.log(
    `### Decision cost (ns per choose: median (fastest) of 3 rounds of 1,000,000 Zipf(0.99) requests)`,
  );
  console.log('');
  console.log(`| policy | ${scaleLabel(SMALL)} | ${scaleLabel(LARGE)} | peak RSS (MB, large) |`);
  console.log('|---|---|---|---|');
  for (const policy of policies) {
    const small = child(['decide', policy, SMALL.invokers, SMALL.colors]);
    const large = child(['decide', policy, LARGE.invokers, LARGE.colors]);
    console.log(
      `| ${policy} | ${f1(small.nsPerDecision as number)} (${f1(small.minNs as number)}) | ${f1(large.nsPerDecision as number)} (${f1(large.minNs as number)}) | ${large.maxRssMB.toFixed(0)} |`,
    );
  }

  console.log('');
  console.log(
    '### Memory per color (least-assigned ColorTable, heap delta after GC, string included; target <= 200 B)',
  );
  console.log('');
  console.log('| colors | color length | bytes per color | peak RSS (MB) |');
  console.log('|---|---|---|---|');
  for (const [colors, length] of [
    [SMALL.colors, 13],
    [LARGE.colors, 13],
    [LARGE.colors, 64],
  ] as const) {
    const m = child(['memory', colors, length]);
    console.log(
      `| ${count(colors)} | ${m.colorLength as number} | ${f1(m.bytesPerColor as number)} | ${m.maxRssMB.toFixed(0)} |`,
    );
  }

  console.log('');
  console.log('### Remap when 1% of the invokers leave or join (share of colors whose home changed)');
  console.log('');
  console.log(
    "| policy | scale | changed invokers | bound (changed/N + 1 pp) | leave | join | only the lost invokers' colors moved |",
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const policy of hashing) {
    for (const scale of [SMALL, { invokers: LARGE.invokers, colors: remapColorsLarge }]) {
      const r = child(['remap', policy, scale.invokers, scale.colors]);
      const leave = r.leave as { moved: number; onlyLostMoved: boolean; onLost: number };
      const join = r.join as { moved: number };
      console.log(
        `| ${policy} | ${scaleLabel(scale)} | ${r.changed as number} | ${pct(r.bound as number)} | ${pct(leave.moved)} | ${pct(join.moved)} | ${leave.onlyLostMoved ? `yes (${pct(leave.onLost)} were on them)` : 'no'} |`,
      );
    }
  }

  console.log('');
  console.log('### Table start-up (PersistentColorTable.start: all colors loaded, changes feed followed)');
  console.log('');
  console.log('| source | colors | seconds | colors/s | peak RSS (MB, loader) |');
  console.log('|---|---|---|---|---|');
  for (const colors of [SMALL.colors, couchMax].filter((c, i, a) => a.indexOf(c) === i)) {
    const s = child(['startup-couch', colors, LARGE.invokers]);
    console.log(
      `| pouchdb-server 4.2.0, in memory, loopback (fill took ${f1(s.fillSeconds as number)} s) | ${count(colors)} | ${(s.seconds as number).toFixed(2)} | ${count(Math.round(s.colorsPerSecond as number))} | ${s.maxRssMB.toFixed(0)} |`,
    );
  }
  const s = await withPageServer(LARGE.colors, LARGE.invokers, (port) =>
    child(['startup-pages', LARGE.colors, port]),
  );
  console.log(
    `| generated _all_docs pages (CouchDB format), loopback, own process | ${count(LARGE.colors)} | ${(s.seconds as number).toFixed(2)} | ${count(Math.round(s.colorsPerSecond as number))} | ${s.maxRssMB.toFixed(0)} |`,
  );
  console.log('');
  console.log(`load average after: ${os.loadavg().map(f1).join(' ')}`);
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  await runChild(process.argv.slice(childAt + 1));
} else {
  await main();
}
