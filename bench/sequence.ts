/**
 * `npm run bench:sequence`: what a color buys a sequence. A 5-step sequence of `seq-cache` (a
 * per-container LRU cache; a miss waits `fetchMs` as a fetch would) runs on the real embedded
 * platform (controller, REST API, invokers running the action in warm child processes), once
 * uncolored (the baseline policy places every component) and once with the requesting user as the
 * color (`__palette_color`, so every component of a user's sequence goes where that color goes).
 * Each mode gets a fresh platform, so caches start empty; both replay the same seeded request list
 * with one closed loop per user and `concurrency` sequences in flight.
 *
 * Printed, and written to results/sequence.md: hit ratio (hits / component activations), invokers
 * visited per sequence, containers used, sequences per second.
 *
 *   npm run bench:sequence -- [--invokers 4] [--users 64] [--requests 400] [--concurrency 4]
 *                              [--cache 64] [--fetch-ms 5] [--steps 5] [--seed 7] [--quick]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startPlatform, type Platform } from '../src/platform/platform.js';
import { ClosedLoopDispatcher } from './lib/closed-loop.js';
import { mulberry32 } from './lib/random.js';
import { benchCouch } from './social/platform-run.js';
import { commandLine } from '../src/platform/cli.js';
import { runMain } from '../src/platform/start-errors.js';

const usage = `npm run bench:sequence -- [--invokers 4] [--users 64] [--requests 400] [--concurrency 4]
                          [--cache 64] [--fetch-ms 5] [--steps 5] [--seed 7] [--quick]
  What a color buys a sequence, on the embedded platform; see bench/sequence.ts.`;

const args = commandLine({
  name: 'bench:sequence',
  usage,
  options: {
    invokers: { type: 'string', default: '4' },
    users: { type: 'string', default: '64' },
    requests: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '4' },
    cache: { type: 'string', default: '64' },
    'fetch-ms': { type: 'string', default: '5' },
    steps: { type: 'string', default: '5' },
    seed: { type: 'string', default: '7' },
    quick: { type: 'boolean', default: false },
  },
});

const options = {
  invokers: Number(args.invokers),
  users: Number(args.users),
  requests: args.quick ? 100 : Number(args.requests),
  concurrency: Number(args.concurrency),
  cacheSize: Number(args.cache),
  fetchMs: Number(args['fetch-ms']),
  steps: Number(args.steps),
  seed: Number(args.seed),
};

interface Request {
  index: number;
  color: string;
}

interface StepResult {
  user: string;
  step: number;
  hits: number;
  misses: number;
  path: string[];
  error?: string;
}

interface ModeResult {
  mode: 'uncolored' | 'colored';
  hits: number;
  steps: number;
  invokersPerSequence: number;
  containers: number;
  seconds: number;
}

const code = readFileSync(new URL('../actions/seq-cache.js', import.meta.url), 'utf8');

async function call(platform: Platform, method: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${platform.apiHost}/api/v1/namespaces/_${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(platform.authKey).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
}

async function ensure(reply: Promise<Response>, what: string): Promise<void> {
  const response = await reply;
  if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
}

/** The same request list for both modes: users drawn uniformly with a fixed seed. */
function requestList(): Request[] {
  const random = mulberry32(options.seed);
  return Array.from({ length: options.requests }, (_, index) => ({
    index,
    color: `user-${Math.floor(random() * options.users)}`,
  }));
}

async function runMode(mode: ModeResult['mode'], couchUrl: string, requests: Request[]): Promise<ModeResult> {
  const prefix = `s${randomBytes(4).toString('hex')}_`;
  const platform = await startPlatform({
    overrides: {
      port: 0,
      invokers: options.invokers,
      couchdbUrl: couchUrl,
      dbPrefix: prefix,
      kafkaTopicPrefix: prefix,
      logLevel: 'silent',
    },
  });
  try {
    await platform.waitForHealthyInvokers(options.invokers, 120_000);
    await ensure(
      call(platform, 'PUT', '/actions/seq-cache?overwrite=true', { exec: { kind: 'nodejs:20', code } }),
      'creating seq-cache',
    );
    await ensure(
      call(platform, 'PUT', '/actions/chain?overwrite=true', {
        exec: { kind: 'sequence', components: Array(options.steps).fill('/_/seq-cache') },
      }),
      'creating the sequence',
    );
    let hits = 0;
    let steps = 0;
    let invokersVisited = 0;
    const containers = new Set<string>();
    const dispatcher = new ClosedLoopDispatcher(requests, options.concurrency);
    const began = Date.now();

    const invoke = async (request: Request): Promise<void> => {
      const params = {
        user: request.color,
        cacheSize: options.cacheSize,
        fetchMs: options.fetchMs,
        ...(mode === 'colored' ? { __palette_color: request.color } : {}),
      };
      const reply = await call(platform, 'POST', '/actions/chain?blocking=true&result=true', params);
      const body = (await reply.json()) as StepResult;
      if (reply.status !== 200 || body.error || body.step !== options.steps) {
        throw new Error(`request ${request.index}: HTTP ${reply.status} ${JSON.stringify(body)}`);
      }
      hits += body.hits;
      steps += body.hits + body.misses;
      invokersVisited += new Set(body.path.map((p) => p.split('/')[0])).size;
      for (const where of body.path) containers.add(where);
    };

    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const pump = () => {
        if (failed) return;
        if (dispatcher.done) return resolve();
        for (let next = dispatcher.next(); next; next = dispatcher.next()) {
          const item = next;
          invoke(item).then(
            () => {
              dispatcher.complete(item);
              pump();
            },
            (err: unknown) => {
              failed = true;
              reject(err instanceof Error ? err : new Error(String(err)));
            },
          );
        }
      };
      pump();
    });
    return {
      mode,
      hits,
      steps,
      invokersPerSequence: invokersVisited / requests.length,
      containers: containers.size,
      seconds: (Date.now() - began) / 1000,
    };
  } finally {
    await platform.stop();
  }
}

function table(results: ModeResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.mode} | ${(r.hits / r.steps).toFixed(3)} | ${r.hits} / ${r.steps} | ${r.invokersPerSequence.toFixed(2)} | ${r.containers} | ${(options.requests / r.seconds).toFixed(1)} |`,
  );
  return [
    '| mode | hit ratio | hits / steps | invokers per sequence | containers used | sequences/s |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const couch = await benchCouch();
  const requests = requestList();
  const method =
    `${options.requests} sequences of ${options.steps} \`seq-cache\` steps, ${options.users} users (uniform, seed ${options.seed}), ` +
    `${options.concurrency} in flight (one closed loop per user), ${options.invokers} in-process invokers, ` +
    `LRU of ${options.cacheSize} items per container, a miss waits ${options.fetchMs} ms; ` +
    `default policies (colored: PALETTE_POLICY, uncolored: PALETTE_BASELINE); a fresh platform per mode.`;
  console.log(method);
  const results: ModeResult[] = [];
  try {
    for (const mode of ['uncolored', 'colored'] as const) {
      console.log(`  running ${mode} ...`);
      results.push(await runMode(mode, couch.url, requests));
    }
  } finally {
    await couch.stop();
  }
  const text = table(results);
  console.log(`\n${text}\n`);
  const dir = args.quick ? 'results/tmp' : 'results';
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/sequence.md`,
    `# Sequence hit ratio (\`npm run bench:sequence\`)\n\n${method}\nRun ${new Date().toISOString()}.\n\n${text}\n`,
  );
  console.log(`written to ${dir}/sequence.md`);
}

runMain('bench:sequence', async () => {
  await main();
  process.exit(0);
});
