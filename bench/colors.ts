/**
 * bench:colors — the least-assigned table's two costs.
 *
 * 1. Persistence throughput: new colors assigned by a ColorTable and persisted by
 *    PersistentColorTable into an embedded pouchdb-server (in memory, loopback HTTP), timed from
 *    the first assignment until every document is written (flush). Batched (the default:
 *    `_bulk_docs` of up to 500, 10 ms linger) versus the same code path with batches of one
 *    (one request per color, one at a time), and versus plain nano inserts with 16 in flight.
 * 2. Memory: bytes of heap per color in the in-process ColorTable holding 100,000 colors
 *    (`user-<n>`, 6-11 characters), from heapUsed after forced GCs, before and after filling it;
 *    with and without the color strings themselves (the table keeps them alive).
 *
 * Run: npm run bench:colors  (node --expose-gc --import tsx bench/colors.ts)
 */
import { ColorTable } from '../src/balancer/color-table.js';
import { startEmbeddedCouch } from '../src/platform/embedded-couch.js';
import { newColorDoc } from '../src/store/color-docs.js';
import { connectCouch, type CouchConnection } from '../src/store/couch.js';
import { PersistentColorTable } from '../src/store/persistent-color-table.js';
import { commandLine } from '../src/platform/cli.js';

// --help and one-line refusals (R26); settings come from the environment.
commandLine({
  name: 'bench:colors',
  usage: `npm run bench:colors
  The least-assigned table's persistence throughput (pouchdb-server) and heap bytes per color.
  --help    this text`,
  options: {},
});

const invokers = [0, 1, 2, 3, 4, 5, 6, 7];
const gc = (globalThis as { gc?: () => void }).gc;

async function persisted(couch: CouchConnection, count: number, tag: string, maxBatch?: number) {
  const table = new ColorTable();
  const persistence = new PersistentColorTable(table, couch, {
    controllerId: 'bench',
    maxBatch,
    flushMs: maxBatch === 1 ? 0 : 10,
  });
  await persistence.start();
  const started = performance.now();
  // Colors arrive in bursts of 100 per event-loop turn, as activations from many HTTP requests would.
  for (let i = 0; i < count; i++) {
    table.assign(`${tag}-${i}`, invokers);
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  await persistence.flush();
  const seconds = (performance.now() - started) / 1000;
  const requests = (persistence as unknown as { writer: { requests: number } }).writer.requests;
  await persistence.stop();
  if (persistence.stats.written !== count)
    throw new Error(`${tag}: wrote ${persistence.stats.written} of ${count}`);
  return { perSecond: count / seconds, requests, seconds };
}

async function plainInserts(couch: CouchConnection, count: number, concurrency: number) {
  const db = couch.db('colors');
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        await db.insert({ ...newColorDoc(`plain-${i}`, i % invokers.length, 'bench') });
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

function heapAfterGc(): number {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

function memoryPerColor(count: number) {
  // Strings included: the table is the only thing keeping them.
  const before = heapAfterGc();
  let table: ColorTable | undefined = new ColorTable();
  for (let i = 0; i < count; i++) table.adopt(`user-${i}`, i % invokers.length);
  const withStrings = (heapAfterGc() - before) / count;
  if (table.size !== count) throw new Error('table lost colors');
  table = undefined;

  // Strings excluded: created (and flattened) before the baseline.
  const colors = Array.from({ length: count }, (_, i) => `user-${i}`);
  const baseline = heapAfterGc();
  const bare = new ColorTable();
  for (let i = 0; i < count; i++) bare.adopt(colors[i]!, i % invokers.length);
  const tableOnly = (heapAfterGc() - baseline) / count;
  if (bare.size !== count || colors.length !== count) throw new Error('table lost colors');
  return { withStrings, tableOnly };
}

async function main(): Promise<void> {
  if (!gc) {
    console.error('run with node --expose-gc (npm run bench:colors does)');
    process.exit(2);
  }
  const couch = await startEmbeddedCouch();
  try {
    const connection = await connectCouch({ url: couch.url, prefix: 'bench_' });
    const batchedCount = 20_000;
    const singleCount = 2_000;
    // Warm-up: the server's first requests are slower (JIT, leveldown).
    await persisted(connection, 1000, 'warm', undefined);

    const batched = await persisted(connection, batchedCount, 'batched');
    const single = await persisted(connection, singleCount, 'single', 1);
    const plain16 = await plainInserts(connection, singleCount, 16);
    const memory = memoryPerColor(100_000);

    console.log('bench:colors  (pouchdb-server 4.2.0 in memory on loopback; Node', process.version + ')');
    console.log('');
    console.log('new-color assignments persisted per second (assign -> document written, timed to flush):');
    console.log(
      `  batched _bulk_docs (<=500/request, 10 ms linger): ${batched.perSecond.toFixed(0).padStart(7)} /s  (${batchedCount} colors, ${batched.requests} requests, ${batched.seconds.toFixed(2)} s)`,
    );
    console.log(
      `  one request per color, same code path:            ${single.perSecond.toFixed(0).padStart(7)} /s  (${singleCount} colors, ${single.requests} requests)`,
    );
    console.log(
      `  plain nano insert per color, 16 in flight:         ${plain16.toFixed(0).padStart(7)} /s  (${singleCount} colors)`,
    );
    console.log(
      `  batching speed-up over one-per-color: ${(batched.perSecond / single.perSecond).toFixed(1)}x`,
    );
    console.log('');
    console.log(
      'in-process ColorTable memory at 100,000 colors (heapUsed delta after forced GC, node --expose-gc):',
    );
    console.log(
      `  including the color strings ("user-<n>"):  ${memory.withStrings.toFixed(1)} bytes/color (target <= 200)`,
    );
    console.log(`  table structure only (strings pre-existing): ${memory.tableOnly.toFixed(1)} bytes/color`);
  } finally {
    await couch.stop();
  }
}

await main();
