/**
 * OpenWhisk's view of our Kafka traffic: what lands on the broker is read back by clients that
 * are not ours (kcat, Kafka's ConsoleConsumer, kafkajs's admin API), so a bug in our adapter
 * cannot hide behind the same adapter reading it back.
 */
import { readFileSync } from 'node:fs';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../../src/messaging/bus.js';
import { KafkaBus } from '../../../src/messaging/kafka-bus.js';
import { createMessageBus } from '../../../src/messaging/index.js';
import { loadConfig, messageBusOptions } from '../../../src/platform/config.js';
import { parseActivationMessage } from '../../../src/protocol/index.js';
import { waitFor } from '../../unit/messaging/bus-contract.js';
import {
  hasKcat,
  kafkaBrokers,
  readWithConsoleConsumer,
  readWithKcat,
  testLogger,
  uniqueTopicPrefix,
} from './support.js';

const activationMessage = readFileSync(
  new URL('../../fixtures/activation-message.json', import.meta.url),
  'utf8',
).trim();
const topicPrefix = uniqueTopicPrefix('ow');

describe('OpenWhisk topics on a real Kafka broker', () => {
  let bus: KafkaBus;
  let admin: Admin;

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: kafkaBrokers(), topicPrefix, logger: testLogger() });
    admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await bus.close();
    await admin.disconnect();
  });

  it('puts an ActivationMessage for invoker 3 on <prefix>invoker3 with a null key, byte for byte (kcat)', async (ctx) => {
    if (!hasKcat()) ctx.skip(); // scripts/ci-deps.sh installs it; the ConsoleConsumer test below always runs
    await bus.ensureTopic(topics.invoker(3), 'invoker');
    await bus.send(topics.invoker(3), [activationMessage]);
    const [record, ...rest] = await readWithKcat(`${topicPrefix}invoker3`, 1);
    expect(rest).toEqual([]);
    expect(record!.key).toBeNull();
    expect(record!.value.equals(Buffer.from(activationMessage, 'utf8'))).toBe(true);
    // and it reads back through our schema as the value that was sent
    expect(parseActivationMessage(record!.value.toString('utf8'))).toEqual(
      parseActivationMessage(activationMessage),
    );
    expect(parseActivationMessage(record!.value.toString('utf8')).activationId).toBe(
      (JSON.parse(activationMessage) as { activationId: string }).activationId,
    );
  });

  it("is read back the same by Kafka's own ConsoleConsumer", async () => {
    await bus.ensureTopic(topics.invoker(4), 'invoker');
    await bus.send(topics.invoker(4), [activationMessage]);
    const [record] = await readWithConsoleConsumer(`${topicPrefix}invoker4`, 1);
    expect(record!.key).toBeNull();
    expect(record!.value.toString('utf8')).toBe(activationMessage);
  }, 90_000);

  it('creates invoker and completed topics as OpenWhisk does: 1 partition, max.message.bytes 1054644', async () => {
    await bus.ensureTopic(topics.invoker(5), 'invoker');
    await bus.ensureTopic(topics.completed('0'), 'completed');
    await bus.ensureTopic(topics.health, 'health');
    const names = [`${topicPrefix}invoker5`, `${topicPrefix}completed0`, `${topicPrefix}health`];
    const metadata = await admin.fetchTopicMetadata({ topics: names });
    for (const topic of metadata.topics) {
      expect(topic.partitions).toHaveLength(1);
      expect(topic.partitions[0]!.replicas).toHaveLength(1);
    }
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes', 'retention.ms', 'segment.bytes', 'retention.bytes'],
      })),
    });
    const configs = Object.fromEntries(
      described.resources.map((r) => [
        r.resourceName.slice(topicPrefix.length),
        Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
      ]),
    );
    expect(configs.invoker5).toEqual({
      'max.message.bytes': '1054644',
      'retention.ms': '172800000',
      'segment.bytes': '536870912',
      'retention.bytes': '1073741824',
    });
    expect(configs.completed0!['max.message.bytes']).toBe('1054644');
    expect(configs.completed0!['retention.ms']).toBe('3600000');
    // health keeps the broker default, as in OpenWhisk.
    expect(configs.health!['max.message.bytes']).toBe('1048588');
  });

  it('ensureTopic on an existing topic is a no-op', async () => {
    await bus.ensureTopic(topics.invoker(6), 'invoker');
    const other = new KafkaBus({ brokers: kafkaBrokers(), topicPrefix, logger: testLogger() });
    await other.ensureTopic(topics.invoker(6), 'invoker');
    await other.close();
    const metadata = await admin.fetchTopicMetadata({ topics: [`${topicPrefix}invoker6`] });
    expect(metadata.topics[0]!.partitions).toHaveLength(1);
  });

  it('delivers a completion published on completed0 to the controller-side consumer (createMessageBus)', async () => {
    const config = loadConfig({ KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: topicPrefix });
    const controllerBus = createMessageBus(messageBusOptions(config), { logger: testLogger() });
    expect(controllerBus).toBeInstanceOf(KafkaBus);
    const completed = topics.completed('0');
    await controllerBus.ensureTopic(completed, 'completed');
    const received: string[] = [];
    const sub = await controllerBus.subscribe(completed, completed, async (v) => void received.push(v));
    const ack = JSON.stringify({ activationId: '6f1ad1c4c3b24d8bbad1c4c3b2bd8b5a', isSystemError: false });
    await bus.send(completed, [ack]);
    await waitFor(() => received.length === 1, 30_000, 'the completion');
    expect(received).toEqual([ack]);
    await sub.stop();
    await controllerBus.close();
    // Committed: the group has consumed the message.
    const offsets = await admin.fetchOffsets({
      groupId: `${topicPrefix}${completed}`,
      topics: [`${topicPrefix}${completed}`],
    });
    expect(offsets[0]!.partitions[0]!.offset).toBe('1');
  });

  it('gives every controller its own health group, so each sees every ping', async () => {
    await bus.ensureTopic(topics.health, 'health');
    const seen: Record<string, string[]> = { palette0: [], palette1: [] };
    const subs = await Promise.all(
      Object.keys(seen).map((id) =>
        bus.subscribe(topics.health, topics.healthGroup(id), async (v) => void seen[id]!.push(v)),
      ),
    );
    await bus.send(topics.health, ['ping-a', 'ping-b']);
    await waitFor(
      () => seen.palette0!.length >= 2 && seen.palette1!.length >= 2,
      30_000,
      'pings in both groups',
    );
    await Promise.all(subs.map((s) => s.stop()));
    expect(seen.palette0).toEqual(['ping-a', 'ping-b']);
    expect(seen.palette1).toEqual(['ping-a', 'ping-b']);
  });
});
