/**
 * At-least-once across a crash: a consumer process is SIGKILLed while its handler for message 15
 * is still running. A new consumer in the same group must get message 15 again (nothing lost:
 * offsets are committed only after handlers finish), and may re-deliver only a few messages before
 * it (finished ones are committed as the consumer goes, not only at the end of a batch).
 * With a window of handlers, later messages finish while an earlier one hangs; the committed
 * offset must still stop at the hanging one, so it is the first message delivered after a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await bus.close();
  });

  function startChild(
    topic: string,
    env: Record<string, string>,
  ): { child: ChildProcess; output: () => string } {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./crash-consumer.ts', import.meta.url))],
      {
        env: { ...process.env, KAFKA_TOPIC_PREFIX: topicPrefix, TOPIC: topic, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output };
  }

  it('re-delivers the message whose handler was running when the process died, and nothing is lost', async () => {
    const topic = topics.completed('crash0');
    await bus.ensureTopic(topic, 'completed');
    const values = Array.from({ length: 40 }, (_, i) => `m${i}`);
    await bus.send(topic, values);

    const { child, output } = startChild(topic, { HANG_AT: 'm15' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor(() => output().includes('hanging'), 60_000, 'the child to hang in m15');
    child.kill('SIGKILL');
    await exited;
    const startedByChild = output()
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

  it('runs later messages past a hanging one (window of 4) and still re-delivers the hanging one after a crash', async () => {
    const topic = topics.completed('crash1');
    await bus.ensureTopic(topic, 'completed');
    await bus.send(topic, ['w0']);
    const { child, output } = startChild(topic, { HANG_AT: 'w0', CONCURRENCY: '4' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await waitFor(() => output().includes('hanging'), 60_000, 'the child to hang in w0');
    // Published after w0 was fetched: they must not wait for w0's handler.
    const later = ['w1', 'w2', 'w3', 'w4', 'w5'];
    await bus.send(topic, later);
    await waitFor(
      () => later.every((v) => output().includes(`done ${v}\n`)),
      30_000,
      'w1..w5 to finish while w0 hangs',
    );
    // Room for the child's commits (every 50 ms) to land, were they to pass w0 wrongly.
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGKILL');
    await exited;

    const received: string[] = [];
    const sub = await bus.subscribe(topic, topic, async (v) => void received.push(v));
    await waitFor(() => received.includes('w5'), 60_000, 'the messages after the crash');
    await sub.stop();
    // Nothing committed past the unfinished w0: it comes first, followed by what finished after it.
    expect(received).toEqual(['w0', ...later]);
  }, 120_000);
});
