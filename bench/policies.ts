/**
 * `npm run bench:policies`: decisions per second of every placement policy at 24 invokers and
 * 100,000 Zipf-distributed colors, each as a cost ratio to the production round-robin.
 *
 * Method (printed with the table):
 * - One fixed-seed stream of 1,000,000 colored requests; a color's rank is Zipf(0.99) over
 *   100,000 colors, mapped to names `user<k>` through a fixed random permutation. Every request
 *   object carries its own copy of the color string, as JSON.parse hands each request over (one
 *   string shared by all requests of a color would instead be a cache miss per decision that no
 *   production request pays).
 * - One view of 24 healthy invokers (capacity 32 GB, fixed-seed in-flight loads of 0..8
 *   activations), the same array on every call, as LoadTracker.view() provides; the policy is told
 *   the members once, before the warm-up, as LoadTracker.onMembersChanged does.
 * - Each policy runs in its own child process (fresh V8: no policy inherits another's deoptimized
 *   call sites), decides the whole stream once to warm up (least-assigned fills its table then),
 *   then 5 timed rounds; the median round counts. Two such passes over all policies, the better kept.
 * - Only `choose` is timed: no load accounting, no I/O.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import ConsistentHash from 'consistent-hash';
import { ColorTable } from '../src/balancer/color-table.js';
import { createPolicy } from '../src/balancer/index.js';
import { controlPoints, RING_RANGE } from '../src/balancer/policies/consistent-hash.js';
import type { Decision, InvokerView, PlacementRequest, Policy } from '../src/balancer/types.js';
import { mulberry32, shuffle } from './lib/random.js';
import { Zipf } from './lib/zipf.js';
import { median } from './lib/stats.js';
import { commandLine } from '../src/platform/cli.js';

// --help and one-line refusals (R26); settings come from the environment.
if (!process.argv.includes('--child'))
  commandLine({
    name: 'bench:policies',
    usage: `npm run bench:policies
  Decisions per second of every placement policy at 24 invokers and 100,000 Zipf colors.
  --help    this text`,
    options: {},
  });

const INVOKERS = 24;
const COLORS = 100_000;
const ZIPF_EXPONENT = 0.99;
const STREAM = 1_000_000;
const ROUNDS = 5;
const SEED = 20_230_508;
const BOUND = 1.25;
const PASSES = 2;

function zipfStream(random: () => number): PlacementRequest[] {
  const zipf = new Zipf(COLORS, ZIPF_EXPONENT);
  const order = shuffle(
    Array.from({ length: COLORS }, (_, i) => i),
    random,
  );
  const stream: PlacementRequest[] = new Array<PlacementRequest>(STREAM);
  for (let i = 0; i < STREAM; i++) {
    // A fresh string per request (a template literal builds a new string, not a shared constant).
    const color = `user${order[zipf.sample(random)]!}`;
    stream[i] = { color, namespace: 'guest', action: 'guest/timeline', memoryMB: 256 };
  }
  return stream;
}

let sink = 0;
const kept: (Decision | undefined)[] = new Array<Decision | undefined>(1024);

function round(policy: Policy, stream: readonly PlacementRequest[], view: readonly InvokerView[]): number {
  const start = process.hrtime.bigint();
  // Decisions escape into a small buffer, as the controller keeps each one for its placement
  // record; otherwise V8 may optimize the Decision allocation away for some policies only.
  for (let i = 0; i < stream.length; i++) kept[i & 1023] = policy.choose(stream[i]!, view);
  sink += kept[0]?.invoker ?? 0;
  const ns = Number(process.hrtime.bigint() - start);
  return (stream.length / ns) * 1e9;
}

type Contender = [label: string, make: (random: () => number) => Policy];

const contenders: Contender[] = [
  ['round-robin', (random) => createPolicy('round-robin', { random })],
  ['random', (random) => createPolicy('random', { random })],
  ['openwhisk-sharding', (random) => createPolicy('openwhisk-sharding', { random })],
  ['consistent-hash', (random) => createPolicy('consistent-hash', { random })],
  ['bucket-hash', (random) => createPolicy('bucket-hash', { random })],
  ['least-assigned', (random) => createPolicy('least-assigned', { random })],
  [
    `consistent-hash + bounded loads ${BOUND}`,
    (random) => createPolicy('consistent-hash', { random, boundFactor: BOUND }),
  ],
  [
    `bucket-hash + bounded loads ${BOUND}`,
    (random) => createPolicy('bucket-hash', { random, boundFactor: BOUND }),
  ],
  [
    `least-assigned + bounded loads ${BOUND}`,
    (random) => createPolicy('least-assigned', { random, boundFactor: BOUND }),
  ],
];

function setup(): { stream: PlacementRequest[]; view: InvokerView[] } {
  const random = mulberry32(SEED);
  const stream = zipfStream(random);
  const view: InvokerView[] = Array.from({ length: INVOKERS }, (_, id) => {
    const inFlight = Math.floor(random() * 9);
    return { id, status: 'healthy', capacityMB: 32_768, inFlight, inFlightMB: inFlight * 256 };
  });
  return { stream, view };
}

/** Child: measures one contender, prints its round rates as JSON. */
function measure(label: string): void {
  const { stream, view } = setup();
  if (label === 'package get()') {
    // The package's own lookup on the same ring, for comparison with our lookup table.
    const ring = new ConsistentHash<number>({ range: RING_RANGE });
    for (let id = 0; id < INVOKERS; id++) ring.add(id, 1000, controlPoints(id));
    const rates: number[] = [];
    for (let r = 0; r <= ROUNDS; r++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < stream.length; i++) sink += ring.get(stream[i]!.color!) ?? 0;
      if (r > 0) rates.push((stream.length / Number(process.hrtime.bigint() - start)) * 1e9);
    }
    console.log(JSON.stringify({ rates, sink: sink % 1000 }));
    return;
  }
  const contender = contenders.find(([name]) => name === label);
  if (!contender) throw new Error(`unknown contender ${label}`);
  const policy = contender[1](mulberry32(SEED + 1));
  policy.setMembers(view.map((v) => v.id));
  round(policy, stream, view);
  const rates = Array.from({ length: ROUNDS }, () => round(policy, stream, view));
  console.log(JSON.stringify({ rates, sink: sink % 1000 }));
}

function runChild(label: string): number {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--child', label],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  if (child.status !== 0) throw new Error(`${label}: child failed: ${child.stderr}`);
  const { rates } = JSON.parse(child.stdout.trim().split('\n').pop()!) as { rates: number[] };
  return median(rates);
}

function main(): void {
  // Two passes over all contenders, best pass kept: on a shared machine, load that comes and goes
  // then hits every policy alike instead of whichever happened to run during it.
  const rates = new Map<string, number>();
  const labels = [...contenders.map(([name]) => name), 'package get()'];
  for (let pass = 0; pass < PASSES; pass++) {
    for (const name of labels) rates.set(name, Math.max(rates.get(name) ?? 0, runChild(name)));
  }
  const pkg = rates.get('package get()')!;
  const rr = rates.get('round-robin')!;
  const lines = [
    `| policy | decisions/s | ns/decision | cost vs round-robin | >= 1M/s and <= 3x |`,
    `|---|---:|---:|---:|:-:|`,
  ];
  for (const [name] of contenders) {
    const rate = rates.get(name)!;
    const cost = rr / rate;
    const ok = rate >= 1e6 && cost <= 3 ? 'yes' : 'NO';
    lines.push(
      `| ${name} | ${Math.round(rate).toLocaleString('en-US')} | ${(1e9 / rate).toFixed(1)} | ${cost.toFixed(2)}x | ${ok} |`,
    );
  }
  console.log(
    `## Placement policies: ${INVOKERS} invokers, ${COLORS.toLocaleString('en-US')} Zipf(${ZIPF_EXPONENT}) colors\n`,
  );
  console.log(lines.join('\n'));
  console.log(
    `\nFor comparison, the consistent-hash package's own get() on the same ring: ` +
      `${Math.round(pkg).toLocaleString('en-US')} lookups/s (${(1e9 / pkg).toFixed(1)} ns; lookup only, no health or capacity check).`,
  );
  console.log(
    `\nLeast-assigned table memory: ${bytesPerColor().toFixed(0)} bytes per color at 100,000 colors (heap growth after GC, color strings included).`,
  );
  console.log(
    `\nMethod: one fixed-seed (${SEED}) stream of ${STREAM.toLocaleString('en-US')} colored requests, color rank Zipf(${ZIPF_EXPONENT}) ` +
      `over ${COLORS.toLocaleString('en-US')} colors, each request with its own color string (as JSON.parse gives); ${INVOKERS} healthy ` +
      `invokers with fixed in-flight loads (0..8 activations of 256 MB, 32 GB capacity), the same view array on every call. ` +
      `Each policy in its own child process: one warm-up pass over the stream, then ${ROUNDS} timed rounds, median round; ` +
      `${PASSES} passes over all policies, the better pass shown. Only choose() is timed. Cost = round-robin's rate / the policy's rate. Node ${process.version}, ${process.arch}, ` +
      `${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)} at the end.`,
  );
}

/** Heap growth of a ColorTable holding 100,000 fresh color strings, after full GCs. */
function bytesPerColor(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const colors = 100_000;
  gc();
  const before = process.memoryUsage().heapUsed;
  const table = new ColorTable();
  for (let i = 0; i < colors; i++) table.adopt(`tenant-${i.toString(36)}-user${i}`, i % INVOKERS);
  gc();
  const after = process.memoryUsage().heapUsed;
  sink += table.size;
  return (after - before) / colors;
}

if (process.argv[2] === '--child') measure(process.argv[3]!);
else main();
