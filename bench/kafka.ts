/**
 * `npm run bench:kafka`: publish throughput and latency of our Kafka provider (KafkaBus.send)
 * against the raw kafkajs producer, on the same broker, in the same run.
 *
 * Method. The project's broker is started (or reused) through scripts/kafka.sh; KAFKA_BROKERS
 * points the bench at another one. Both sides publish the same pre-built ~1 KB ActivationMessage
 * JSON values (the wire-spec sample, with a distinct activation id and padded content) to their own
 * topic, each created by ensureTopic with OpenWhisk's invoker-topic settings. Each scenario fixes
 * the number of concurrent senders and the values per send call; both sides run it identically:
 * C async workers each loop `await send(<B values>)` until N messages are out. Raw kafkajs uses
 * `producer.send({ acks: -1, compression: none })` with the same client settings as ours. One
 * warm-up pass per side, then rounds of adjacent raw/ours pairs (alternating which goes first);
 * reported: each side's median messages/s, the median of the per-pair ratios ours/raw (target
 * >= 0.8) with its range, and the p50/p99 latency of a send call (from call to broker
 * acknowledgement) over all measured rounds.
 *
 * Knobs: BENCH_MESSAGES (default 5000 per round), BENCH_ROUNDS (9), BENCH_MAX_IN_FLIGHT (1: the
 * provider's default; more lets ours pipeline requests like raw kafkajs does).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CompressionTypes, Kafka, Partitioners, type Producer } from 'kafkajs';
import { pino } from 'pino';
import { topics } from '../src/messaging/bus.js';
import { KafkaBus } from '../src/messaging/kafka-bus.js';
import { kafkaLogLevelFor, pinoLogCreator } from '../src/messaging/kafka-log.js';
import { loadConfig } from '../src/platform/config.js';
import { startProjectKafka, type ProjectKafkaBroker } from '../src/platform/kafka-broker.js';
import { median, percentile } from './lib/stats.js';
import { commandLine } from '../src/platform/cli.js';

// --help and one-line refusals (R26); settings come from the environment.
commandLine({
  name: 'bench:kafka',
  usage: `npm run bench:kafka
  Publish throughput of KafkaBus.send beside the raw kafkajs producer, same broker, same run.
  Settings (environment): BENCH_MESSAGES (5000), BENCH_ROUNDS (9), BENCH_MAX_IN_FLIGHT (1), KAFKA_BROKERS.
  --help    this text`,
  options: {},
});

interface Scenario {
  readonly concurrency: number;
  readonly batch: number;
}

interface RoundResult {
  readonly messagesPerSecond: number;
  readonly latenciesMs: number[];
}

const scenarios: Scenario[] = [
  { concurrency: 1, batch: 1 },
  { concurrency: 32, batch: 1 },
  { concurrency: 8, batch: 50 },
];
const messagesPerRound = Number(process.env.BENCH_MESSAGES ?? 5_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
/** KafkaBus's `maxInFlightRequests` (its default is 1). */
const maxInFlightRequests = Number(process.env.BENCH_MAX_IN_FLIGHT ?? 1);

function buildMessages(count: number): string[] {
  const sample = JSON.parse(
    readFileSync(new URL('../test/fixtures/activation-message.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const base = JSON.stringify({
    ...sample,
    activationId: '0'.repeat(32),
    content: { name: 'World', pad: '' },
  });
  const pad = 'p'.repeat(Math.max(0, 1024 - Buffer.byteLength(base)));
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      ...sample,
      activationId: i.toString(16).padStart(32, '0'),
      content: { name: 'World', pad },
    }),
  );
}

async function runRound(
  send: (values: string[]) => Promise<void>,
  messages: readonly string[],
  scenario: Scenario,
): Promise<RoundResult> {
  const latenciesMs: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const start = next;
      if (start >= messages.length) return;
      next = Math.min(messages.length, start + scenario.batch);
      const values = messages.slice(start, next);
      const t0 = performance.now();
      await send(values);
      latenciesMs.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: scenario.concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { messagesPerSecond: messages.length / seconds, latenciesMs };
}

async function main(): Promise<void> {
  const config = loadConfig();
  let broker: ProjectKafkaBroker | undefined;
  let brokers = config.kafkaBrokers;
  if (!brokers) {
    broker = await startProjectKafka();
    brokers = broker.brokers;
  }
  const logger = pino({ level: 'warn' });
  const prefix = `bench-${Date.now().toString(36)}-`;
  const bus = new KafkaBus({
    brokers,
    topicPrefix: prefix,
    logger,
    clientId: 'bench-ours',
    maxInFlightRequests,
  });
  const ourTopic = topics.invoker(900);
  const rawTopic = topics.invoker(901);
  await bus.ensureTopic(ourTopic, 'invoker');
  await bus.ensureTopic(rawTopic, 'invoker');

  // The same client settings KafkaBus uses, without our layer.
  const kafka = new Kafka({
    clientId: 'bench-raw',
    brokers,
    logLevel: kafkaLogLevelFor(logger),
    logCreator: pinoLogCreator(logger),
    requestTimeout: 30_000,
  });
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: true,
    metadataMaxAge: 15_000,
    retry: { retries: 5 },
  });
  await producer.connect();

  const sendOurs = (values: string[]) => bus.send(ourTopic, values);
  const sendRaw = async (values: string[]) => {
    await producer.send({
      topic: prefix + rawTopic,
      messages: values.map((value) => ({ value })),
      acks: -1,
      timeout: 30_000,
      compression: CompressionTypes.None,
    });
  };

  const messages = buildMessages(messagesPerRound);
  const size = Buffer.byteLength(messages[0]!);
  console.log(
    `broker ${brokers.join(',')}${broker ? (broker.startedHere ? ' (started)' : ' (reused)') : ''}`,
  );
  console.log(
    `messages: ${messagesPerRound} per round, ${size} B each (ActivationMessage JSON), ${rounds} rounds after 1 warm-up`,
  );
  console.log(
    'acks=-1 (all in-sync replicas), compression none, 1-partition invoker topics, max.message.bytes 1054644',
  );
  console.log(
    `ours: KafkaBus.send, maxInFlightRequests ${maxInFlightRequests}; raw: kafkajs producer.send, unlimited in flight`,
  );
  console.log('');
  console.log(
    'senders  values/call  raw msg/s  ours msg/s  ratio  (pair range)  raw p50/p99 ms   ours p50/p99 ms',
  );

  const summary: Record<string, unknown>[] = [];
  for (const scenario of scenarios) {
    await runRound(sendRaw, messages.slice(0, 2_000), scenario);
    await runRound(sendOurs, messages.slice(0, 2_000), scenario);
    const raw: RoundResult[] = [];
    const ours: RoundResult[] = [];
    // Adjacent pairs, alternating who goes first: load from other processes drifts slowly, so a
    // pair sees nearly the same machine, and the median pair ratio cancels most of that drift.
    const pairRatios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        raw.push(await runRound(sendRaw, messages, scenario));
        ours.push(await runRound(sendOurs, messages, scenario));
      } else {
        ours.push(await runRound(sendOurs, messages, scenario));
        raw.push(await runRound(sendRaw, messages, scenario));
      }
      pairRatios.push(ours[r]!.messagesPerSecond / raw[r]!.messagesPerSecond);
    }
    const rawRate = median(raw.map((x) => x.messagesPerSecond));
    const ourRate = median(ours.map((x) => x.messagesPerSecond));
    const ratio = median(pairRatios);
    const rawLat = raw.flatMap((x) => x.latenciesMs).sort((a, b) => a - b);
    const ourLat = ours.flatMap((x) => x.latenciesMs).sort((a, b) => a - b);
    const row = {
      concurrency: scenario.concurrency,
      batch: scenario.batch,
      rawPerSecond: Math.round(rawRate),
      oursPerSecond: Math.round(ourRate),
      ratio: Number(ratio.toFixed(2)),
      pairRatioRange: [Math.min(...pairRatios), Math.max(...pairRatios)].map((x) => Number(x.toFixed(2))),
      rawP50: percentile(rawLat, 50),
      rawP99: percentile(rawLat, 99),
      oursP50: percentile(ourLat, 50),
      oursP99: percentile(ourLat, 99),
    };
    summary.push(row);
    console.log(
      [
        String(row.concurrency).padStart(7),
        String(row.batch).padStart(12),
        String(row.rawPerSecond).padStart(10),
        String(row.oursPerSecond).padStart(11),
        row.ratio.toFixed(2).padStart(6),
        `${row.pairRatioRange[0]!.toFixed(2)}-${row.pairRatioRange[1]!.toFixed(2)}`.padStart(10),
        `${row.rawP50.toFixed(2)}/${row.rawP99.toFixed(2)}`.padStart(16),
        `${row.oursP50.toFixed(2)}/${row.oursP99.toFixed(2)}`.padStart(17),
      ].join(' '),
    );
  }
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'kafka',
      messageBytes: size,
      maxInFlightRequests,
      messagesPerRound,
      rounds,
      results: summary,
    }),
  );

  await producer.disconnect();
  await bus.close();
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [prefix + ourTopic, prefix + rawTopic] });
  await admin.disconnect();
  await broker?.stop();
}

await main();
