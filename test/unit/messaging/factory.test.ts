import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMessageBus, KafkaBus, LeanBus } from '../../../src/messaging/index.js';
import { kindOfTopic, maxMessageBytes } from '../../../src/messaging/topic-config.js';
import { loadConfig, messageBusOptions } from '../../../src/platform/config.js';

const logger = pino({ level: 'silent' });

describe('createMessageBus', () => {
  it('uses the in-process bus when no Kafka brokers are configured', async () => {
    const bus = createMessageBus(messageBusOptions(loadConfig({})), { logger });
    expect(bus).toBeInstanceOf(LeanBus);
    await bus.close();
  });

  it('uses Kafka, with the topic prefix, when KAFKA_BROKERS is set (connects lazily)', async () => {
    const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:1', KAFKA_TOPIC_PREFIX: 'dev_' });
    const bus = createMessageBus(messageBusOptions(config), { logger });
    expect(bus).toBeInstanceOf(KafkaBus);
    expect((bus as KafkaBus).name('invoker0')).toBe('dev_invoker0');
    await bus.close();
  });
});

describe('topic kinds from OpenWhisk names', () => {
  it('knows invoker, completed and health topics, and their message limits', () => {
    expect(kindOfTopic('invoker12')).toBe('invoker');
    expect(kindOfTopic('completedpalette0')).toBe('completed');
    expect(kindOfTopic('health')).toBe('health');
    expect(kindOfTopic('invokerX')).toBeUndefined();
    expect(maxMessageBytes('invoker')).toBe(1_054_644);
    expect(maxMessageBytes('health')).toBe(1_048_588);
  });
});
