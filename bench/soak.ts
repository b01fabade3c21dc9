/**
 * `npm run bench:soak`: the platform under steady mixed load for minutes, watching its memory.
 *
 * Method. The platform runs as `npm start` runs it, in a child process (src/platform/start.ts: the
 * controller and REST API in that process, an embedded in-memory pouchdb-server, and with --kafka
 * 4 invoker processes on a Kafka broker started here through scripts/kafka.sh, exactly the path of
 * `npm start -- --kafka`; without it, the in-process bus and in-process invokers). One warm action,
 * actions/hello.js. This process offers an open-loop load of --rate invokes/s (at most --in-flight
 * outstanding; what does not fit is counted as shed), each a POST with a color drawn uniformly from
 * --colors colors, --blocking of them `blocking=true&result=true` (200 expected), the rest
 * non-blocking (202 expected). Every minute it prints the completed invokes/s, p50/p99 latency of
 * each kind, errors, and the resident set (VmRSS from /proc) of the controller process, the invoker
 * processes (summed), their action containers (summed) and pouchdb-server. At the end: PASS when the
 * controller's RSS after the last minute is within 1.5x of the first minute's, else FAIL. It prints;
 * nothing is asserted.
 *
 *   npm run bench:soak -- [--minutes 10] [--quick] [--kafka] [--kafka-port 9092] [--rate 50]
 *                         [--blocking 0.5] [--colors 200] [--in-flight 64] [--invokers 4]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { commandLine, numberOption, StartError } from '../src/platform/cli.js';
import { runMain } from '../src/platform/start-errors.js';
import { freePort } from '../src/platform/embedded-couch.js';
import { startProjectKafka, type ProjectKafkaBroker } from '../src/platform/kafka-broker.js';
import { wellKnownAuth } from '../src/store/index.js';
import { percentile, sortNumbers } from './lib/stats.js';
import { putHelloAction } from './lib/hello-action.js';
import { stopChild } from '../src/platform/stop-child.js';

const usage = `npm run bench:soak -- [options]
  Mixed blocking/non-blocking colored load against the platform as \`npm start\` runs it; prints
  throughput, p50/p99 and RSS each minute, then PASS/FAIL: controller RSS after the last minute
  within 1.5x of the first minute's.
  --minutes N     how long to run (default 10)
  --quick         one minute (a smoke run)
  --kafka         Kafka and invoker processes, as \`npm start -- --kafka\` (default: in-process bus)
  --kafka-port P  port of the broker started for --kafka (default 9092)
  --rate N        invokes offered per second (default 50)
  --blocking F    share of blocking invokes, 0..1 (default 0.5)
  --colors N      distinct colors (default 200)
  --in-flight N   most outstanding invokes; more are shed (default 64)
  --invokers N    invokers (default 4)
  --heap-signal   start the platform with --heapsnapshot-signal=SIGUSR2 (write a heap snapshot with
                  kill -USR2 <controller pid>, printed at start)`;

const args = commandLine({
  name: 'bench:soak',
  usage,
  options: {
    minutes: { type: 'string', default: '10' },
    quick: { type: 'boolean', default: false },
    kafka: { type: 'boolean', default: false },
    'kafka-port': { type: 'string', default: '9092' },
    rate: { type: 'string', default: '50' },
    blocking: { type: 'string', default: '0.5' },
    colors: { type: 'string', default: '200' },
    'in-flight': { type: 'string', default: '64' },
    invokers: { type: 'string', default: '4' },
    'heap-signal': { type: 'boolean', default: false },
  },
});

const MINUTE_MS = 60_000;

/** The numeric options, refused in one line when they are not numbers. */
function settings() {
  const minutes = args.quick ? 1 : numberOption('minutes', args.minutes, 1);
  const rate = numberOption('rate', args.rate, 1);
  const blockingShare = numberOption('blocking', args.blocking, 0);
  const colors = numberOption('colors', args.colors, 1);
  const maxInFlight = numberOption('in-flight', args['in-flight'], 1);
  const invokers = numberOption('invokers', args.invokers, 1);
  const kafkaPort = numberOption('kafka-port', args['kafka-port'], 1);
  return { minutes, rate, blockingShare, colors, maxInFlight, invokers, kafkaPort };
}

/** Resident set of a process in MB, from /proc; 0 when it is gone. */
function rssMB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
};

interface Rss {
  controller: number;
  invokers: number;
  containers: number;
  couch: number;
}

/** RSS of the platform's processes by role: the start process, its invokers, their containers, CouchDB. */
function platformRss(root: number): Rss {
  const rss: Rss = { controller: rssMB(root), invokers: 0, containers: 0, couch: 0 };
  const walk = (pid: number, depth: number) => {
    for (const child of childrenOf(pid)) {
      const cmd = cmdline(child);
      if (cmd.includes('invoker-main')) rss.invokers += rssMB(child);
      else if (cmd.includes('pouchdb-server') || cmd.includes("process.on('disconnect'"))
        rss.couch += rssMB(child);
      else if (cmd.includes('proxy.cjs')) rss.containers += rssMB(child);
      else if (depth === 0 && cmd.includes('esbuild')) continue; // tsx's compiler service
      walk(child, depth + 1);
    }
  };
  walk(root, 0);
  return rss;
}

/** Starts src/platform/start.ts as `npm start` does; resolves once it prints that it is up. */
async function startPlatformProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('../src/platform/start.ts', import.meta.url));
  const execArgv = ['--import', 'tsx', ...(args['heap-signal'] ? ['--heapsnapshot-signal=SIGUSR2'] : [])];
  const child = spawn(process.execPath, [...execArgv, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('is up')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(new StartError(`the platform exited with ${code}: ${output.trim().split('\n').join(' | ')}`)),
    );
    setTimeout(() => reject(new Error(`the platform did not come up in 180 s:\n${output}`)), 180_000).unref();
  });
  // Keep draining its output (warnings) so that it never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return child;
}

/** The controller's V8 heap (used / total MB) from its own /metrics (prom-client's default metrics). */
async function controllerHeap(apiHost: string): Promise<{ used: number; total: number }> {
  try {
    const text = await (await fetch(`${apiHost}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const read = (name: string) =>
      Number(new RegExp(`^palette_nodejs_heap_size_${name}_bytes (\\S+)$`, 'm').exec(text)?.[1]) / 2 ** 20;
    return { used: read('used'), total: read('total') };
  } catch {
    return { used: NaN, total: NaN };
  }
}

interface MinuteStats {
  completed: number;
  blocking: number[];
  nonBlocking: number[];
  errors: number;
  shed: number;
  firstError?: string;
}

const newMinute = (): MinuteStats => ({ completed: 0, blocking: [], nonBlocking: [], errors: 0, shed: 0 });

async function main(): Promise<void> {
  const { minutes, rate, blockingShare, colors, maxInFlight, invokers, kafkaPort } = settings();
  let broker: ProjectKafkaBroker | undefined;
  let platform: ChildProcess | undefined;
  const stamp = Date.now().toString(36);
  try {
    if (args.kafka) broker = await startProjectKafka({ port: kafkaPort });
    const port = await freePort();
    platform = await startPlatformProcess({
      PALETTE_PORT: String(port),
      PALETTE_HOST: '127.0.0.1',
      PALETTE_INVOKERS: String(invokers),
      PALETTE_LOG_LEVEL: 'warn',
      ...(broker ? { KAFKA_BROKERS: broker.brokers.join(','), KAFKA_TOPIC_PREFIX: `soak${stamp}_` } : {}),
    });
    const root = platform.pid!;
    const apiHost = `http://127.0.0.1:${port}`;
    const auth = `Basic ${Buffer.from(wellKnownAuth.guest).toString('base64')}`;
    const api = `${apiHost}/api/v1/namespaces/_/actions`;
    await putHelloAction(apiHost, wellKnownAuth.guest);

    console.log('## bench:soak');
    console.log('');
    console.log(
      `Method: ${minutes} min of ${rate} invokes/s offered (open loop, at most ${maxInFlight} in flight), ${Math.round(blockingShare * 100)}% blocking, ${colors} colors, ${invokers} invokers, ${broker ? `Kafka ${broker.brokers.join(',')} with invoker processes (as \`npm start -- --kafka\`)` : 'in-process bus and invokers (as `npm start`)'}; controller pid ${root}. RSS in MB (VmRSS).`,
    );
    console.log('');
    console.log(
      '| minute | invokes/s | blocking p50 / p99 (ms) | non-blocking p50 / p99 (ms) | errors | shed | RSS controller | controller heap used / total | RSS invokers | RSS containers | RSS CouchDB | load avg |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');

    let minute = newMinute();
    let inFlight = 0;
    let issued = 0;
    let draw = 0x9e3779b9;
    const random = () => {
      draw = (Math.imul(draw ^ (draw >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return draw / 2 ** 32;
    };
    const invoke = async () => {
      const blocking = random() < blockingShare;
      const color = `soak-${Math.floor(random() * colors)}`;
      const body = JSON.stringify({ __palette_color: color, name: 'soak' });
      const t0 = performance.now();
      const stats = minute;
      inFlight++;
      try {
        const reply = await fetch(`${api}/hello?blocking=${blocking}${blocking ? '&result=true' : ''}`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(120_000),
        });
        const text = await reply.text();
        if (reply.status !== (blocking ? 200 : 202)) {
          stats.errors++;
          stats.firstError ??= `${reply.status} ${text.slice(0, 200)}`;
          return;
        }
        (blocking ? stats.blocking : stats.nonBlocking).push(performance.now() - t0);
        stats.completed++;
      } catch (error) {
        stats.errors++;
        stats.firstError ??= String(error);
      } finally {
        inFlight--;
      }
    };

    const rows: Rss[] = [];
    const start = performance.now();
    const f = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(1));
    for (let m = 1; m <= minutes; m++) {
      const end = start + m * MINUTE_MS;
      while (performance.now() < end) {
        const due = Math.floor(((performance.now() - start) / 1000) * rate) - issued;
        for (let i = 0; i < due; i++) {
          issued++;
          if (inFlight >= maxInFlight) minute.shed++;
          else void invoke();
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      const done = minute;
      minute = newMinute();
      const rss = platformRss(root);
      const heap = await controllerHeap(apiHost);
      rows.push(rss);
      const b = sortNumbers(done.blocking);
      const n = sortNumbers(done.nonBlocking);
      console.log(
        `| ${m} | ${(done.completed / 60).toFixed(1)} | ${f(percentile(b, 50))} / ${f(percentile(b, 99))} | ${f(percentile(n, 50))} / ${f(percentile(n, 99))} | ${done.errors} | ${done.shed} | ${rss.controller.toFixed(0)} | ${f(heap.used)} / ${f(heap.total)} | ${rss.invokers.toFixed(0)} | ${rss.containers.toFixed(0)} | ${rss.couch.toFixed(0)} | ${loadavg()[0]!.toFixed(2)} |`,
      );
      if (done.firstError) console.log(`  first error in minute ${m}: ${done.firstError}`);
    }
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const ratio = last.controller / first.controller;
    console.log('');
    console.log(
      `controller RSS ${first.controller.toFixed(0)} MB after minute 1, ${last.controller.toFixed(0)} MB after minute ${rows.length}: ${ratio.toFixed(2)}x (limit 1.5x) ${ratio <= 1.5 ? 'PASS' : 'FAIL'}`,
    );
    if (first.invokers > 0)
      console.log(
        `invokers RSS ${first.invokers.toFixed(0)} -> ${last.invokers.toFixed(0)} MB (${(last.invokers / first.invokers).toFixed(2)}x)`,
      );
    console.log(
      `load average (1/5/15 min) at the end: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' / ')}`,
    );
  } finally {
    if (platform) await stopChild(platform);
    await broker?.stop();
  }
}

runMain('bench:soak', async () => {
  await main();
  process.exit(0);
});
