/**
 * bench:scale's measurements, each run in a child process of its own (fresh heap, own peak RSS):
 * - decide: ns per `choose` of one policy, N invokers, C colors (Zipf 0.99 stream of 1,000,000
 *   requests, one fresh string per request; least-assigned's table holds all C colors first);
 * - memory: heap bytes per color of a ColorTable holding C colors (flat strings, as JSON.parse
 *   makes them), at a given color length;
 * - remap: the share of colors whose home changes when 1% of the invokers leave or join;
 * - startup-couch / startup-pages: PersistentColorTable.start() over pouchdb-server or over
 *   generated `_all_docs` pages (all-docs-server.ts).
 * Every task prints one JSON line: its figures plus `maxRssMB` (process.resourceUsage().maxRSS).
 */
import { ColorTable } from '../../src/balancer/color-table.js';
import { createPolicy } from '../../src/balancer/index.js';
import type { InvokerView, PlacementRequest, Policy, PolicyName } from '../../src/balancer/types.js';
import { startEmbeddedCouch } from '../../src/platform/embedded-couch.js';
import { newColorDoc } from '../../src/store/color-docs.js';
import { bulkDocs, connectCouch, openCouch } from '../../src/store/couch.js';
import { PersistentColorTable } from '../../src/store/persistent-color-table.js';
import { colorName } from './all-docs-server.js';
import { mulberry32 } from './random.js';
import { median } from './stats.js';
import { Zipf } from './zipf.js';

const SEED = 20_231_127;
const gc = (globalThis as { gc?: () => void }).gc;
const rssMB = () => process.resourceUsage().maxRSS / 1024;

/** A flat (sequential) string copy, as JSON.parse hands a color over; not a cons string. */
const scratch = Buffer.alloc(256);
function flat(text: string): string {
  const n = scratch.write(text, 'latin1');
  return scratch.toString('latin1', 0, n);
}
/** Color i at `length` characters: `user-<10000000+i>` (13), padded with `x` after the dash. */
function color(i: number, length: number): string {
  const base = colorName(i);
  return length <= base.length ? base : `user-${'x'.repeat(length - base.length)}${base.slice(5)}`;
}

function makePolicy(name: PolicyName, table?: ColorTable): Policy {
  return createPolicy(name, { random: mulberry32(SEED + 1), ...(table ? { colorTable: table } : {}) });
}

function makeView(invokers: number, random: () => number, ids?: readonly number[]): InvokerView[] {
  return (ids ?? Array.from({ length: invokers }, (_, i) => i)).map((id) => {
    const inFlight = Math.floor(random() * 9);
    return { id, status: 'healthy', capacityMB: 32_768, inFlight, inFlightMB: inFlight * 256 };
  });
}

const request = (c: string, action = 'guest/timeline'): PlacementRequest => ({
  color: c,
  namespace: 'guest',
  action,
  memoryMB: 256,
});

export function decide(policyName: PolicyName, invokers: number, colors: number) {
  const random = mulberry32(SEED);
  const zipf = new Zipf(colors, 0.99);
  const streamLength = 1_000_000;
  const stream = new Array<PlacementRequest>(streamLength);
  // Rank -> color through a multiplicative permutation (no array of C indexes needed).
  const permute = (rank: number) => Number((BigInt(rank) * 2_654_435_761n) % BigInt(colors));
  for (let i = 0; i < streamLength; i++) stream[i] = request(flat(colorName(permute(zipf.sample(random)))));
  const view = makeView(invokers, random);
  const table = policyName === 'least-assigned' ? new ColorTable() : undefined;
  if (table) for (let i = 0; i < colors; i++) table.adopt(flat(colorName(i)), i % invokers);
  const policy = makePolicy(policyName, table);
  policy.setMembers(view.map((v) => v.id));
  const kept = new Array<unknown>(1024);
  const round = () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < streamLength; i++) kept[i & 1023] = policy.choose(stream[i]!, view);
    return Number(process.hrtime.bigint() - start) / streamLength;
  };
  round();
  const rounds = [round(), round(), round()];
  return { nsPerDecision: median(rounds), minNs: Math.min(...rounds), rounds, maxRssMB: rssMB() };
}

function heapAfterGc(): number {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

export function memory(colors: number, length: number) {
  if (!gc) throw new Error('memory needs node --expose-gc');
  const before = heapAfterGc();
  const table = new ColorTable();
  for (let i = 0; i < colors; i++) table.adopt(flat(color(i, length)), i % 1000);
  const bytesPerColor = (heapAfterGc() - before) / colors;
  if (table.size !== colors) throw new Error('table lost colors');
  return { bytesPerColor, colorLength: color(0, length).length, maxRssMB: rssMB() };
}

/**
 * Where every color goes with every member healthy and idle: its home, except where a policy keeps
 * a departed invoker as home (openwhisk-sharding's list, as OpenWhisk's, never shrinks).
 */
function homes(policy: Policy, view: readonly InvokerView[], colors: number, out: Int32Array): void {
  policy.setMembers(view.map((v) => v.id));
  // One action per color too: openwhisk-sharding ignores colors and places by namespace/action.
  for (let i = 0; i < colors; i++) {
    const c = colorName(i);
    out[i] = policy.choose(request(c, `guest/${c}`), view)!.invoker;
  }
}

export function remap(policyName: PolicyName, invokers: number, colors: number) {
  const random = mulberry32(SEED + 2);
  const idle = (ids: readonly number[]) => makeView(0, () => 0, ids);
  const all = Array.from({ length: invokers }, (_, i) => i);
  const changed = Math.max(1, Math.round(invokers / 100));
  const lost = new Set<number>();
  while (lost.size < changed) lost.add(Math.floor(random() * invokers));
  const remaining = all.filter((id) => !lost.has(id));
  const joined = [...all, ...Array.from({ length: changed }, (_, i) => invokers + i)];

  const measure = (after: readonly number[], leaving: boolean) => {
    const table = policyName === 'least-assigned' ? new ColorTable() : undefined;
    const policy = makePolicy(policyName, table);
    const before = new Int32Array(colors);
    const now = new Int32Array(colors);
    homes(policy, idle(all), colors, before);
    if (table && leaving) for (const id of lost) table.removeInvoker(id, remaining);
    homes(policy, idle(after), colors, now);
    let moved = 0;
    let movedOffLost = 0;
    let onLost = 0;
    for (let i = 0; i < colors; i++) {
      const wasLost = lost.has(before[i]!);
      if (leaving && wasLost) onLost++;
      if (before[i] !== now[i]) {
        moved++;
        if (leaving && wasLost) movedOffLost++;
      }
    }
    return { moved: moved / colors, onlyLostMoved: moved === movedOffLost, onLost: onLost / colors };
  };
  const leave = measure(remaining, true);
  const join = measure(joined, false);
  return { changed, bound: changed / invokers + 0.01, leave, join, maxRssMB: rssMB() };
}

async function timeLoad(couch: ReturnType<typeof openCouch>, colors: number) {
  const table = new ColorTable();
  const persistent = new PersistentColorTable(table, couch, { controllerId: 'bench', changesPollMs: 1_000 });
  const started = performance.now();
  await persistent.start();
  const seconds = (performance.now() - started) / 1000;
  await persistent.stop();
  if (table.size !== colors) throw new Error(`loaded ${table.size} of ${colors}`);
  return seconds;
}

export async function startupCouch(colors: number, invokers: number) {
  const couch = await startEmbeddedCouch();
  try {
    const connection = await connectCouch({ url: couch.url, prefix: 'scale_' });
    const write = bulkDocs(connection, 'colors');
    const batch = 5_000;
    const filling = performance.now();
    for (let from = 0; from < colors; from += batch) {
      const docs = [];
      for (let i = from; i < Math.min(colors, from + batch); i++)
        docs.push(newColorDoc(colorName(i), i % invokers, 'bench'));
      await write({ docs });
    }
    const fillSeconds = (performance.now() - filling) / 1000;
    const seconds = await timeLoad(connection, colors);
    return { seconds, colorsPerSecond: colors / seconds, fillSeconds, maxRssMB: rssMB() };
  } finally {
    await couch.stop();
  }
}

export async function startupPages(colors: number, port: number) {
  const connection = openCouch({ url: `http://127.0.0.1:${port}`, prefix: 'scale_' });
  const seconds = await timeLoad(connection, colors);
  return { seconds, colorsPerSecond: colors / seconds, maxRssMB: rssMB() };
}
