/**
 * At-least-once across a crash: a consumer process is SIGKILLed while its handler for message 15
 * is still running. A new consumer in the same group must get message 15 again (nothing lost:
 * offsets are committed only after handlers finish), and may re-deliver only a few messages before
 * it (finished ones are committed as the consumer goes, not only at the end of a batch).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../../src/messaging/bus.js';
import { KafkaBus } from '../../../src/messaging/kafka-bus.js';
import { waitFor } from '../../unit/messaging/bus-contract.js';
import { kafkaBrokers, testLogger, uniqueTopicPrefix } from './support.js';

const topicPrefix = uniqueTopicPrefix('crash');

describe('Kafka consumer crash', () => {
  let bus: KafkaBus;
  beforeAll(() => {
    bus = new KafkaBus({
      brokers: kafkaBrokers(),
      topicPrefix,
      logger: testLogger(),
      sessionTimeoutMs: 6_000,
    });
  });
  afterAll(async () => {
    await bus.close();
  });

  it('re-delivers the message whose handler was running when the process died, and nothing is lost', async () => {
    const topic = topics.completed('crash0');
    await bus.ensureTopic(topic, 'completed');
    const values = Array.from({ length: 40 }, (_, i) => `m${i}`);
    await bus.send(topic, values);

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./crash-consumer.ts', import.meta.url))],
      {
        env: { ...process.env, KAFKA_TOPIC_PREFIX: topicPrefix, TOPIC: topic, HANG_AT: 'm15' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor(() => output.includes('hanging'), 60_000, 'the child to hang in m15');
    child.kill('SIGKILL');
    await exited;
    const startedByChild = output
      .split('\n')
      .filter((l) => l.startsWith('start '))
      .map((l) => l.slice(6));
    expect(startedByChild).toEqual(values.slice(0, 16));

    const received: string[] = [];
    const sub = await bus.subscribe(topic, topic, async (v) => void received.push(v));
    await waitFor(() => received.includes('m39'), 60_000, 'the rest after the crash');
    await sub.stop();
    const first = values.indexOf(received[0]!);
    // Nothing lost: delivery resumes at or before the message that never finished...
    expect(first).toBeLessThanOrEqual(15);
    // ...and only from a recent commit: finished messages were committed while consuming.
    expect(first).toBeGreaterThan(0);
    expect(received).toEqual(values.slice(first));
  }, 120_000);
});
