/**
 * Chooses the messaging adapter: Kafka when brokers are configured (`KAFKA_BROKERS`, or the
 * project's own broker started by `npm start -- --kafka`), otherwise the in-process Lean bus.
 */
import { pino, type LevelWithSilent, type Logger } from 'pino';
import type { MessageBus } from './bus.js';
import { KafkaBus } from './kafka-bus.js';
import { LeanBus } from './lean-bus.js';

export * from './bus.js';
export { KafkaBus, type KafkaBusOptions } from './kafka-bus.js';
export { LeanBus, type LeanBusOptions } from './lean-bus.js';
export { MAX_ACTIVATION_LIMIT, MessageTooLargeError, topicConfigEntries } from './topic-config.js';

/**
 * What the factory needs to choose and build an adapter. Plain values, so that messaging does not
 * depend on the platform's configuration; src/platform maps its Config onto them.
 */
export interface MessageBusOptions {
  /** Kafka bootstrap brokers; none (or an empty list) selects the in-process bus. */
  readonly brokers?: readonly string[];
  readonly topicPrefix: string;
  /** Level of the default logger, when the wiring brings none. */
  readonly logLevel?: LevelWithSilent;
}

export interface MessageBusWiring {
  readonly logger?: Logger;
  /** kafkajs client id; OpenWhisk's controller uses its instance name. */
  readonly clientId?: string;
}

export function createMessageBus(options: MessageBusOptions, wiring: MessageBusWiring = {}): MessageBus {
  const logger = wiring.logger ?? pino({ name: 'messaging', level: options.logLevel });
  if (options.brokers && options.brokers.length > 0) {
    return new KafkaBus({
      brokers: options.brokers,
      topicPrefix: options.topicPrefix,
      clientId: wiring.clientId,
      logger,
    });
  }
  return new LeanBus({ logger });
}
