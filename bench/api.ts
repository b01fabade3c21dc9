/**
 * `npm run bench:api`: the REST API's cost on top of Kafka.
 *
 * Method.
 * 1. Non-blocking throughput. The platform runs over the project's Kafka broker (or KAFKA_BROKERS)
 *    with 4 real invoker processes; once they are healthy they are paused (SIGSTOP, well inside the
 *    10 s health window) so the measurement is the API -> controller -> Kafka path alone, then resumed.
 *    C keep-alive HTTP clients each loop `POST /api/v1/namespaces/_/actions/hello?blocking=false`
 *    (basic auth, a small JSON body with a color) until N invokes are accepted (202); each round
 *    also does the same for `bench/hello`, the same action in a package, in its own pause, the two
 *    taking turns going first. The baseline
 *    is the raw kafkajs producer on the same broker in the same run: C async loops each
 *    `producer.send` one message (acks -1, no compression) of the same size as the ActivationMessage
 *    the controller publishes, until N are acknowledged. Reported: invokes/s, messages/s, ratio.
 * 2. Blocking latency. Sequential blocking invokes of the warm `hello` action through the real
 *    invoker, from a client in its own process (bench/lib/blocking-client.ts: node:http, one
 *    keep-alive connection), as `wsk` or an application calls the controller; added latency per
 *    call = wall time - the action's own `duration`. The baseline is a
 *    direct Kafka round trip with raw kafkajs: send on topic A, an echo consumer re-publishes on
 *    topic B, a consumer on B receives it (two hops, as controller -> invoker -> controller), same
 *    message size. Reported: p50/p99 of each and the added p50/p99 over the round trip.
 *    Two more rows say where the added time goes: the same raw round trip with the echo in its own
 *    process (bench/lib/kafka-echo.ts), as our path crosses from controller to invoker process and
 *    back; and the HTTP floor, bodiless `GET /ping` from the same kind of client process.
 * Knobs: BENCH_INVOKES (default 12500), BENCH_CONCURRENCY (32), BENCH_LATENCY_SAMPLES (500).
 */
import { execFile, spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { startPlatform } from '../src/platform/platform.js';
import { activationMessage, newActivationId, newTransactionId } from '../src/protocol/index.js';
import { percentile, sortNumbers } from './lib/stats.js';
import {
  measureLevels,
  measureOverhead,
  plotLevels,
  printLevels,
  printOverhead,
  type ClientSample,
} from './lib/api-stages.js';
import { commandLine } from '../src/platform/cli.js';
import { putHelloAction } from './lib/hello-action.js';

// --help and one-line refusals (R26); settings come from the environment.
commandLine({
  name: 'bench:api',
  usage: `npm run bench:api
  The REST API's cost on top of Kafka: non-blocking throughput beside raw kafkajs, blocking latency,
  the stage table, controller-only overhead at 1/4/16/64 clients, stage-timing overhead on/off.
  Settings (environment): BENCH_INVOKES (12500), BENCH_CONCURRENCY (32), BENCH_LATENCY_SAMPLES (500),
  BENCH_LEVEL_SAMPLES (1000), BENCH_OVERHEAD_PAIRS (3), BENCH_OVERHEAD_SAMPLES, KAFKA_BROKERS.
  --help    this text`,
  options: {},
});

const invokes = Number(process.env.BENCH_INVOKES ?? 12_500);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const latencySamples = Number(process.env.BENCH_LATENCY_SAMPLES ?? 500);
const levelSamples = Number(process.env.BENCH_LEVEL_SAMPLES ?? 1000);
const overheadPairs = Number(process.env.BENCH_OVERHEAD_PAIRS ?? 3);
const overheadSamples = Number(process.env.BENCH_OVERHEAD_SAMPLES ?? 500);
const plotPath = fileURLToPath(new URL('../results/api/latency-concurrency.svg', import.meta.url));

async function loop(total: number, workers: number, one: () => Promise<void>): Promise<number> {
  let issued = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (issued < total) {
        issued++;
        await one();
      }
    }),
  );
  return (total / (performance.now() - start)) * 1000;
}

/** Runs bench/lib/blocking-client.ts in its own process; its [elapsed, duration, waitTime, initTime] samples. */
function blockingClient(env: Record<string, string>): Promise<ClientSample[]> {
  const script = fileURLToPath(new URL('./lib/blocking-client.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`blocking client failed: ${stderr || String(err)}`));
        else resolve(JSON.parse(stdout) as ClientSample[]);
      },
    );
  });
}

type SendRaw = (topic: string, value: string) => Promise<unknown>;

/**
 * Raw two-hop round trips, one message at a time: send on `from`, an echo (started by the caller)
 * re-publishes it on `to`, a consumer here receives it. Sorted samples in ms, after 20 warm-up trips.
 */
async function timeRoundTrips(
  kafka: Kafka,
  from: string,
  to: string,
  sample: string,
  sendRaw: SendRaw,
): Promise<number[]> {
  const back = kafka.consumer({ groupId: `${to}-back`, maxWaitTimeInMs: 100 });
  await back.connect();
  await back.subscribe({ topic: to, fromBeginning: true });
  let arrived: (() => void) | undefined;
  await back.run({ eachMessage: async () => arrived?.() });
  const samples: number[] = [];
  for (let i = 0; i < latencySamples + 20; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      arrived = resolve;
      sendRaw(from, sample).catch(reject);
    });
    if (i >= 20) samples.push(performance.now() - t0);
  }
  await back.disconnect();
  return sortNumbers(samples);
}

/** The round trip with the echo in this process. */
async function sameProcessRoundTrip(kafka: Kafka, prefix: string, sample: string, sendRaw: SendRaw) {
  const echo = kafka.consumer({ groupId: `${prefix}-echo`, maxWaitTimeInMs: 100 });
  await echo.connect();
  await echo.subscribe({ topic: `${prefix}-a`, fromBeginning: true });
  await echo.run({
    eachMessage: async ({ message }) => void (await sendRaw(`${prefix}-b`, message.value!.toString())),
  });
  try {
    return await timeRoundTrips(kafka, `${prefix}-a`, `${prefix}-b`, sample, sendRaw);
  } finally {
    await echo.disconnect();
  }
}

/** The round trip with the echo in its own process (bench/lib/kafka-echo.ts), where an invoker stands. */
async function crossProcessRoundTrip(
  kafka: Kafka,
  brokers: readonly string[],
  prefix: string,
  sample: string,
  sendRaw: SendRaw,
): Promise<number[]> {
  const script = fileURLToPath(new URL('./lib/kafka-echo.ts', import.meta.url));
  const echo = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      ECHO_BROKERS: brokers.join(','),
      ECHO_FROM: `${prefix}-xa`,
      ECHO_TO: `${prefix}-xb`,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      echo.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      echo.once('exit', (code) => reject(new Error(`echo process exited with ${code}`)));
    });
    return await timeRoundTrips(kafka, `${prefix}-xa`, `${prefix}-xb`, sample, sendRaw);
  } finally {
    echo.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const platform = await startPlatform({
    projectKafka: true,
    invokerProcesses: true,
    overrides: {
      port: 0,
      kafkaTopicPrefix: `benchapi${Date.now().toString(36)}_`,
      dbPrefix: `benchapi${Date.now().toString(36)}_`,
      logLevel: 'silent',
      invokers: 4,
    },
  });
  try {
    await platform.waitForHealthyInvokers(4, 120_000);
    const auth = `Basic ${Buffer.from(platform.authKey).toString('base64')}`;
    const api = `${platform.apiHost}/api/v1/namespaces/_/actions`;
    await putHelloAction(platform.apiHost, platform.authKey);
    await putHelloAction(platform.apiHost, platform.authKey, 'bench/hello');
    const brokers = platform.config.kafkaBrokers!;
    const body = JSON.stringify({ __palette_color: 'bench-color', name: 'World' });

    // --- blocking latency (invokers running) ---
    const invokeLatency: number[] = [];
    const added: number[] = [];
    for (const [elapsed, duration] of await blockingClient({
      BLOCKING_URL: `${api}/hello?blocking=true`,
      BLOCKING_AUTH: auth,
      BLOCKING_BODY: body,
      BLOCKING_SAMPLES: String(latencySamples),
      BLOCKING_WARMUP: '20',
    })) {
      invokeLatency.push(elapsed);
      added.push(elapsed - duration);
    }

    // The message the controller publishes, for the raw baselines' size.
    const sample = JSON.stringify(
      activationMessage({
        transid: newTransactionId(Date.now()),
        action: { path: 'guest', name: 'hello', version: '0.0.1' },
        revision: '1-967a00dff5e02add41819138abb3284d',
        user: {
          subject: 'guest',
          namespace: { name: 'guest', uuid: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502' },
          authkey: { api_key: platform.authKey },
          rights: ['READ', 'PUT', 'DELETE', 'ACTIVATE'],
          limits: {},
        },
        activationId: newActivationId(),
        controllerId: platform.config.controllerId,
        blocking: false,
        content: { name: 'World' },
      }),
    );

    const kafka = new Kafka({ clientId: 'bench-api-raw', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const prefix = `benchraw${Date.now().toString(36)}`;
    await admin.createTopics({
      topics: [`${prefix}-through`, `${prefix}-a`, `${prefix}-b`, `${prefix}-xa`, `${prefix}-xb`].map(
        (topic) => ({
          topic,
          numPartitions: 1,
          replicationFactor: 1,
        }),
      ),
      waitForLeaders: true,
    });
    await admin.disconnect();
    const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const sendRaw = (topic: string, value: string) =>
      producer.send({ topic, messages: [{ value }], acks: -1, compression: CompressionTypes.None });

    // --- direct Kafka round trip (two hops) ---
    const rt = await sameProcessRoundTrip(kafka, prefix, sample, sendRaw);

    // --- the same round trip with the echo in its own process, where the invoker stands ---
    const crossRoundTrip = await crossProcessRoundTrip(kafka, brokers, prefix, sample, sendRaw);

    // --- the HTTP floor: bodiless GET /ping from the same kind of client process ---
    const pingRtt = sortNumbers(
      (
        await blockingClient({
          BLOCKING_URL: `${platform.apiHost}/ping`,
          BLOCKING_GET: '1',
          BLOCKING_SAMPLES: String(latencySamples),
          BLOCKING_WARMUP: '20',
        })
      ).map(([elapsed]) => elapsed),
    );

    // --- stages and controller-only overhead at 1, 4, 16, 64 concurrent blocking clients ---
    const clientEnv = {
      BLOCKING_URL: `${api}/hello?blocking=true`,
      BLOCKING_AUTH: auth,
      BLOCKING_BODY: body,
    };
    const levels = await measureLevels(
      platform.stages,
      blockingClient,
      clientEnv,
      [1, 4, 16, 64],
      levelSamples,
    );
    const overhead = await measureOverhead(
      platform.stages,
      blockingClient,
      clientEnv,
      overheadPairs,
      overheadSamples,
    );

    printLevels(levels, rt);
    printOverhead(overhead, percentile(sortNumbers(levels[0]!.controllerOnly), 50));
    plotLevels(levels, rt, plotPath);
    console.log('');
    console.log(`plot: ${plotPath}`);
    console.log('');
    // 64 blocking clients can keep the invokers too busy to ping in time on a loaded machine.
    await platform.waitForHealthyInvokers(4, 120_000);

    // --- non-blocking throughput: invokers paused ---
    const children = [...platform.invokers.values()].map((i) => i.process!).filter(Boolean);
    const warm = 200;
    const postTo = (name: string) => async () => {
      const reply = await fetch(`${api}/${name}?blocking=false`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body,
      });
      await reply.arrayBuffer();
      if (reply.status !== 202) throw new Error(`non-blocking invoke: ${reply.status}`);
    };
    const post = postTo('hello');
    const postPackaged = postTo('bench/hello');
    await loop(warm, concurrency, post);
    await loop(warm, concurrency, postPackaged);
    await loop(warm, concurrency, () => sendRaw(`${prefix}-through`, sample).then(() => undefined));
    const results: { ours: number; packaged: number; raw: number }[] = [];
    const perRound = Math.min(invokes, 2_500);
    /** One rate with the invokers paused (each in its own pause, well inside the 10 s health window). */
    const paused = async (one: () => Promise<void>): Promise<number> => {
      for (const c of children) c.kill('SIGSTOP');
      try {
        return await loop(perRound, concurrency, one);
      } finally {
        for (const c of children) c.kill('SIGCONT');
      }
    };
    const settle = () => new Promise((r) => setTimeout(r, 3_000)); // pings resume, the invokers drain
    for (let round = 0; round < Math.max(1, Math.round(invokes / perRound)); round++) {
      // Plain and packaged take turns going first, so neither always meets a warmer or busier process.
      let ours: number;
      let packaged: number;
      if (round % 2 === 0) {
        ours = await paused(post);
        await settle();
        packaged = await paused(postPackaged);
      } else {
        packaged = await paused(postPackaged);
        await settle();
        ours = await paused(post);
      }
      const raw = await loop(perRound, concurrency, () =>
        sendRaw(`${prefix}-through`, sample).then(() => undefined),
      );
      results.push({ ours, packaged, raw });
      await settle();
    }
    await producer.disconnect();

    const med = (xs: number[]) => percentile(sortNumbers(xs), 50);
    const oursRate = med(results.map((r) => r.ours));
    const packagedRate = med(results.map((r) => r.packaged));
    const rawRate = med(results.map((r) => r.raw));
    const inv = sortNumbers(invokeLatency);
    const add = sortNumbers(added);
    const f = (x: number) => x.toFixed(2);
    console.log('## bench:api');
    console.log('');
    console.log(
      `Method: ${results.length} rounds of ${perRound} non-blocking invokes, ${concurrency} concurrent keep-alive clients, invokers paused; raw kafkajs: ${concurrency} concurrent single-message sends of ${Buffer.byteLength(sample)} B (the controller's ActivationMessage size), acks -1. Latency: ${latencySamples} sequential blocking invokes of a warm action through a real invoker, from a node:http keep-alive client in its own process, vs a raw two-hop kafkajs round trip.`,
    );
    console.log('');
    console.log('| measure | value |');
    console.log('|---|---|');
    console.log(
      `| non-blocking invokes/s through REST API -> Kafka (median round) | ${oursRate.toFixed(0)} |`,
    );
    console.log(
      `| the same, action in a package (\`bench/hello\`, median round) | ${packagedRate.toFixed(0)} |`,
    );
    console.log(`| raw kafkajs messages/s (median round) | ${rawRate.toFixed(0)} |`);
    console.log(`| ratio (target >= 0.5) | ${(oursRate / rawRate).toFixed(2)} |`);
    console.log(
      `| blocking invoke latency p50 / p99 (ms) | ${f(percentile(inv, 50))} / ${f(percentile(inv, 99))} |`,
    );
    console.log(
      `| same minus the action's duration p50 / p99 (ms) | ${f(percentile(add, 50))} / ${f(percentile(add, 99))} |`,
    );
    console.log(
      `| direct Kafka round trip (2 hops) p50 / p99 (ms) | ${f(percentile(rt, 50))} / ${f(percentile(rt, 99))} |`,
    );
    console.log(
      `| added over the round trip p50 / p99 (ms, target p50 <= 1) | ${f(percentile(add, 50) - percentile(rt, 50))} / ${f(percentile(add, 99) - percentile(rt, 99))} |`,
    );
    console.log(
      `| direct Kafka round trip, echo in its own process as the invoker is, p50 / p99 (ms) | ${f(percentile(crossRoundTrip, 50))} / ${f(percentile(crossRoundTrip, 99))} |`,
    );
    console.log(
      `| added over that round trip p50 / p99 (ms) | ${f(percentile(add, 50) - percentile(crossRoundTrip, 50))} / ${f(percentile(add, 99) - percentile(crossRoundTrip, 99))} |`,
    );
    console.log(
      `| HTTP floor: GET /ping from the same client process p50 / p99 (ms) | ${f(percentile(pingRtt, 50))} / ${f(percentile(pingRtt, 99))} |`,
    );
    console.log(
      `rounds (plain/packaged/raw): ${results.map((r) => `${r.ours.toFixed(0)}/${r.packaged.toFixed(0)}/${r.raw.toFixed(0)}`).join(', ')}`,
    );
  } finally {
    await platform.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
