/**
 * `npm run plan -- --edges FILE [--rates FILE] [--namespace NS]`: plans co-access placement for
 * an application's colors (src/planner) and, with --namespace, pins the plan in CouchDB
 * (`<prefix>palette_colors`, COUCHDB_URL and DB_PREFIX as the controller reads them), where every
 * controller replica follows it. Without --namespace it only prints the summary. Files are
 * streamed line by line into compact arrays (R21); the peak RSS is printed.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { EdgeListError, LineParser, type LineFormat } from '../planner/edge-list.js';
import { GraphBuilder } from '../planner/graph.js';
import { plan, type PlanSummary } from '../planner/index.js';
import { openCouch } from '../store/couch.js';
import { PinStore } from '../store/pin-store.js';
import { couchOptionsFrom, loadConfig } from './config.js';

const usage = `usage: npm run plan -- --edges FILE [options]

Plans co-access placement: colors often used together go to the same invoker, within a
rate-weighted capacity factor. Prints the plan's summary (edge locality, load per invoker).

  --edges FILE            co-access edge list: "a b [weight]" per line (# and % comment lines)
  --rates FILE            request rate per color: "color rate" per line (default: 1 per color;
                          colors the file does not name get 0)
  --namespace NS          pin the plan for namespace NS in CouchDB (COUCHDB_URL, DB_PREFIX)
  --invokers LIST|N       invoker ids "0,1,5" or a count N for 0..N-1 (default PALETTE_INVOKERS)
  --capacity-factor C     most load per invoker as a multiple of the mean (default 1.1)
  --seed N                seed for the stream order's ties (default 1)
  --passes N              refinement passes (default 4)
  --out FILE              also write the assignment, "color invoker" per line
  --help                  this text`;

async function parseFile(path: string, builder: GraphBuilder, format: LineFormat): Promise<LineParser> {
  const parser = new LineParser(builder, format);
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) parser.feed(chunk as string);
    parser.end();
  } catch (err) {
    stream.destroy();
    if (err instanceof EdgeListError) throw new CliError(`${path}: ${err.message}`);
    if ((err as NodeJS.ErrnoException).code) throw new CliError(`${path}: ${(err as Error).message}`);
    throw err;
  }
  return parser;
}

class CliError extends Error {}

function invokerIds(text: string): number[] {
  const ids = /^\d+$/.test(text)
    ? Array.from({ length: Number(text) }, (_, i) => i)
    : text.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id < 0 || id > 65_534))
    throw new CliError(`--invokers: expected a count or ids from 0 to 65534, got ${JSON.stringify(text)}`);
  return ids;
}

function positive(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min)
    throw new CliError(`--${name}: expected a number >= ${min}, got ${JSON.stringify(text)}`);
  return value;
}

export function formatSummary(summary: PlanSummary): string {
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const lines = [
    `${summary.colors} colors, ${summary.edges} edges, ${summary.invokers} invokers, capacity factor ${summary.capacityFactor}`,
    `edge locality ${pct(summary.edgeLocality)} (hashing: ${pct(summary.hashLocality)}), max/mean load ${summary.maxMeanLoad.toFixed(2)}`,
    'invoker  load  colors',
    ...summary.loads.map((l) => `${String(l.invoker).padStart(7)}  ${l.load.toFixed(1)}  ${l.colors}`),
  ];
  return lines.join('\n');
}

async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        edges: { type: 'string' },
        rates: { type: 'string' },
        namespace: { type: 'string' },
        invokers: { type: 'string' },
        'capacity-factor': { type: 'string' },
        seed: { type: 'string' },
        passes: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message.split('\n')[0]} (try --help)`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (!values.edges) throw new CliError('--edges FILE is required (try --help)');
  const config = loadConfig();
  const invokers = invokerIds(values.invokers ?? String(config.invokers));
  const capacityFactor = positive('capacity-factor', values['capacity-factor'], 1.1, 1);
  const seed = positive('seed', values.seed, 1, 0);
  const passes = positive('passes', values.passes, 4, 0);

  const began = Date.now();
  const builder = new GraphBuilder(1);
  const edges = await parseFile(values.edges, builder, 'edges');
  if (values.rates) {
    builder.defaultUnweighted(0);
    await parseFile(values.rates, builder, 'rates');
  }
  const graph = builder.build();
  const parsed = Date.now();
  const result = plan(graph, invokers, { capacityFactor, seed, passes: Math.floor(passes) });
  const planned = Date.now();
  process.stdout.write(`${formatSummary(result.summary)}\n`);
  process.stdout.write(
    `read ${edges.counts.lines} lines in ${((parsed - began) / 1000).toFixed(1)} s, planned in ${((planned - parsed) / 1000).toFixed(1)} s; ` +
      `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`,
  );
  if (values.out) {
    const out = createWriteStream(values.out);
    for (const [color, invoker] of result.assignment) out.write(`${color} ${invoker}\n`);
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
  if (values.namespace) {
    const store = new PinStore(
      { set: () => undefined, delete: () => false },
      openCouch(couchOptionsFrom(config)),
      { controllerId: 'plan-cli' },
    );
    const { pinned, removed } = await store.writePlan(values.namespace, result.assignment, {
      ...result.summary,
    });
    process.stdout.write(
      `pinned ${pinned} colors for namespace ${values.namespace} (${removed} old pins removed)\n`,
    );
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `plan: ${err instanceof CliError ? err.message : err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(err instanceof CliError ? 2 : 1);
  },
);
