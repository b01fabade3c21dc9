/**
 * Chooses the messaging adapter: Kafka when brokers are configured (`KAFKA_BROKERS`, or the
 * project's own broker started by `npm start -- --kafka`), otherwise the in-process Lean bus.
 */
import { pino, type Logger } from 'pino';
import type { Config } from '../platform/config.js';
import type { MessageBus } from './bus.js';
import { KafkaBus } from './kafka-bus.js';
import { LeanBus } from './lean-bus.js';

export * from './bus.js';
export { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export { LeanBus, type LeanBusOptions } from './lean-bus.js';
export { MAX_ACTIVATION_LIMIT, MessageTooLargeError, topicConfigEntries } from './topic-config.js';

export interface MessageBusWiring {
  readonly logger?: Logger;
  /** kafkajs client id; OpenWhisk's controller uses its instance name. */
  readonly clientId?: string;
}

export function createMessageBus(
  config: Pick<Config, 'kafkaBrokers' | 'kafkaTopicPrefix' | 'logLevel'>,
  wiring: MessageBusWiring = {},
): MessageBus {
  const logger = wiring.logger ?? pino({ name: 'messaging', level: config.logLevel });
  if (config.kafkaBrokers && config.kafkaBrokers.length > 0) {
    return new KafkaBus({
      brokers: config.kafkaBrokers,
      topicPrefix: config.kafkaTopicPrefix,
      clientId: wiring.clientId,
      logger,
    });
  }
  return new LeanBus({ logger });
}
