/**
 * `npx tsx bench/kafka-latency.ts`: per-hop latency of our Kafka provider (KafkaBus.send to a
 * KafkaBus subscriber's handler) against raw kafkajs, on the same broker, in the same run.
 *
 * Method. The project's broker is started (or reused) through scripts/kafka.sh; KAFKA_BROKERS
 * points the bench at another one. Every scenario is a closed loop of one message at a time: the
 * next value is sent only once the previous one reached its final handler, so each sample is the
 * time from the send call to the handler being entered, with nothing else queued. Values are
 * ~1 KB (the size of an ActivationMessage). Scenarios, each with its own topics and groups:
 *   raw 1 hop     kafkajs producer.send (acks -1) -> consumer.run eachMessage (maxWaitTimeInMs 100)
 *   ours 1 hop    KafkaBus.send -> KafkaBus.subscribe handler (concurrency 1)
 *   ours 1 hop, concurrency 16, handler holds 20 ms: the invoker's case (maxPeek 16, its handler
 *                 resolves only when the activation is done); the next message is sent as soon as
 *                 the previous handler was entered, so it arrives while that handler still runs
 *   raw 2 hops / ours 2 hops: A -> echo handler sends to B -> handler on B (controller -> invoker ->
 *                 controller)
 * Reported: p50 / p90 / p99 / mean in ms over BENCH_SAMPLES (default 300) after 30 warm-up
 * messages. Scenarios run one after another; rerun to see the spread on a loaded machine.
 */
import { performance } from 'node:perf_hooks';
import { CompressionTypes, Kafka, Partitioners } from 'kafkajs';
import { pino } from 'pino';
import { KafkaBus } from '../src/messaging/kafka-bus.js';
import { kafkaLogLevelFor, pinoLogCreator } from '../src/messaging/kafka-log.js';
import { loadConfig } from '../src/platform/config.js';
import { startProjectKafka, type ProjectKafkaBroker } from '../src/platform/kafka-broker.js';
import { percentile } from './lib/stats.js';

const samples = Number(process.env.BENCH_SAMPLES ?? 300);
const warmup = 30;
const logger = pino({ level: 'warn' });

interface Hop {
  send(topic: string, value: string): Promise<void>;
  /** Subscribes; `onMessage` is called synchronously when the handler is entered. */
  subscribe(topic: string, onMessage: (value: string) => void, hold?: () => Promise<void>): Promise<void>;
  ensure(topic: string): Promise<void>;
  close(): Promise<void>;
}

function summary(latencies: number[]): string {
  const s = [...latencies].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `${percentile(s, 50).toFixed(2)} / ${percentile(s, 90).toFixed(2)} / ${percentile(s, 99).toFixed(2)} / ${mean.toFixed(2)}`;
}

function rawHop(brokers: string[], prefix: string): Hop {
  const kafka = new Kafka({
    clientId: 'bench-raw',
    brokers,
    logLevel: kafkaLogLevelFor(logger),
    logCreator: pinoLogCreator(logger),
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumers: ReturnType<Kafka['consumer']>[] = [];
  const ready = producer.connect();
  const admin = kafka.admin();
  const adminReady = admin.connect();
  return {
    async ensure(topic) {
      await adminReady;
      // A fresh topic's leader can take a moment to show in metadata; createTopics then fails.
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.createTopics({
            waitForLeaders: true,
            topics: [{ topic: prefix + topic, numPartitions: 1 }],
          });
          return;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    },
    async send(topic, value) {
      await ready;
      await producer.send({
        topic: prefix + topic,
        messages: [{ value }],
        acks: -1,
        compression: CompressionTypes.None,
      });
    },
    async subscribe(topic, onMessage, hold) {
      const consumer = kafka.consumer({ groupId: prefix + topic, maxWaitTimeInMs: 100 });
      consumers.push(consumer);
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      await consumer.connect();
      await consumer.subscribe({ topic: prefix + topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          onMessage(message.value?.toString('utf8') ?? '');
          await hold?.();
        },
      });
      await joined;
    },
    async close() {
      await Promise.all(consumers.map((c) => c.disconnect()));
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}

function ourHop(brokers: string[], prefix: string, concurrency: number): Hop {
  const bus = new KafkaBus({ brokers, topicPrefix: prefix, logger, clientId: 'bench-ours' });
  return {
    ensure: (topic) => bus.ensureTopic(topic, 'invoker'),
    send: (topic, value) => bus.send(topic, [value]),
    async subscribe(topic, onMessage, hold) {
      await bus.subscribe(
        topic,
        topic,
        async (value) => {
          onMessage(value);
          await hold?.();
        },
        { concurrency },
      );
    },
    close: () => bus.close(),
  };
}

/** Closed loop: send, wait until the last handler saw it, record, repeat. */
async function measure(hop: Hop, hops: 1 | 2, holdMs: number): Promise<number[]> {
  const hold = holdMs > 0 ? () => new Promise<void>((r) => setTimeout(r, holdMs)) : undefined;
  let arrived: ((value: string) => void) | undefined;
  await hop.ensure('a');
  if (hops === 2) {
    await hop.ensure('b');
    await hop.subscribe('a', (value) => void hop.send('b', value));
    await hop.subscribe('b', (value) => arrived?.(value), hold);
  } else {
    await hop.subscribe('a', (value) => arrived?.(value), hold);
  }
  const pad = 'x'.repeat(1000);
  const latencies: number[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const value = `${i} ${pad}`;
    const seen = new Promise<void>((resolve) => {
      arrived = (v) => {
        if (v === value) resolve();
      };
    });
    const start = performance.now();
    void hop.send('a', value);
    await seen;
    if (i >= warmup) latencies.push(performance.now() - start);
  }
  await hop.close();
  return latencies;
}

async function main(): Promise<void> {
  const config = loadConfig();
  let broker: ProjectKafkaBroker | undefined;
  let brokers = config.kafkaBrokers;
  if (!brokers) {
    broker = await startProjectKafka();
    brokers = broker.brokers;
  }
  const run = `lat-${Date.now().toString(36)}`;
  const scenarios: [string, () => Promise<number[]>][] = [
    ['raw 1 hop', () => measure(rawHop(brokers, `${run}-r1-`), 1, 0)],
    ['ours 1 hop', () => measure(ourHop(brokers, `${run}-o1-`, 1), 1, 0)],
    [
      'ours 1 hop, concurrency 16, handler holds 20 ms',
      () => measure(ourHop(brokers, `${run}-o16-`, 16), 1, 20),
    ],
    ['raw 2 hops', () => measure(rawHop(brokers, `${run}-r2-`), 2, 0)],
    ['ours 2 hops', () => measure(ourHop(brokers, `${run}-o2-`, 1), 2, 0)],
  ];
  console.log(`| scenario (${samples} samples) | p50 / p90 / p99 / mean (ms) |`);
  console.log('|---|---|');
  for (const [name, scenario] of scenarios) {
    console.log(`| ${name} | ${summary(await scenario())} |`);
  }
  console.log(
    `broker ${brokers.join(',')}${broker ? (broker.startedHere ? ' (started)' : ' (reused)') : ''}`,
  );
  await broker?.stop();
}

await main();
