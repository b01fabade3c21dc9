/**
 * Child process for crash.test.ts: consumes a topic in a group (CONCURRENCY handlers at once,
 * default 1), reports each message it starts and finishes on stdout, and hangs forever in the
 * handler of message HANG_AT, to be killed with SIGKILL.
 */
import { pino } from 'pino';
import { KafkaBus } from '../../../src/messaging/kafka-bus.js';

const env = process.env;
const bus = new KafkaBus({
  brokers: (env.KAFKA_BROKERS ?? '').split(','),
  topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '',
  logger: pino({ level: 'silent' }),
  commitIntervalMs: 50,
  sessionTimeoutMs: 6_000,
});
const hangAt = env.HANG_AT ?? '';
await bus.subscribe(
  env.TOPIC ?? '',
  env.TOPIC ?? '',
  async (value) => {
    process.stdout.write(`start ${value}\n`);
    if (value === hangAt) {
      process.stdout.write('hanging\n');
      await new Promise(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    process.stdout.write(`done ${value}\n`);
  },
  { concurrency: Number(env.CONCURRENCY ?? 1) },
);
process.stdout.write('subscribed\n');
