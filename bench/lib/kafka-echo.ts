/**
 * A raw kafkajs echo in its own process, for bench/api.ts's cross-process round trip: every value
 * read from ECHO_FROM is re-published, unchanged, to ECHO_TO (acks -1, no compression). It stands
 * where an invoker stands, so the baseline pays the same process hops our path pays. Prints
 * `ready` once its consumer has joined; exits on SIGTERM or when the bench's IPC channel closes.
 */
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';

const brokers = (process.env.ECHO_BROKERS ?? '').split(',');
const from = process.env.ECHO_FROM ?? '';
const to = process.env.ECHO_TO ?? '';

// Started with an IPC channel: a bench that dies takes its echo with it.
process.on('disconnect', () => process.exit(0));

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench-echo', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: `${from}-echo`, maxWaitTimeInMs: 100 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: from, fromBeginning: true });
  let joined: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    eachMessage: async ({ message }) => {
      await producer.send({
        topic: to,
        messages: [{ value: message.value }],
        acks: -1,
        compression: CompressionTypes.None,
      });
    },
  });
  await ready;
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    void Promise.allSettled([consumer.disconnect(), producer.disconnect()]).then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
