/**
 * The messaging port. OpenWhisk's components talk only through topics: the controller publishes
 * ActivationMessages on `invoker<N>`, invokers answer on `completed<C>` and ping on `health`.
 * Two adapters implement this port: Kafka (kafkajs, the production wire) and Lean (in-process,
 * like OpenWhisk's LeanMessagingProvider) for the embedded platform and unit tests.
 *
 * Messages are opaque UTF-8 strings (OpenWhisk's JSON); this layer never parses them.
 */

/** OpenWhisk's topic-config keys: they decide retention and `max.message.bytes`. */
export type TopicKind = 'invoker' | 'completed' | 'health' | 'cacheInvalidation' | 'events';

/**
 * Handles one message. The offset is committed once the returned promise settles; a rejection is
 * logged and counts as handled (a poison message must not stall the partition forever).
 */
export type MessageHandler = (value: string) => Promise<void>;

export interface SubscribeOptions {
  /**
   * Handlers running at once (OpenWhisk's `maxPeek`); default 1, i.e. strictly in order. With more,
   * the committed offset only moves past a message once every earlier message has finished.
   */
  readonly concurrency?: number;
}

export interface Subscription {
  /** Stops consuming after in-flight handlers finish; offsets of finished messages are committed. */
  stop(): Promise<void>;
}

export interface MessageBus {
  /** Creates the topic (prefixed) with OpenWhisk's settings for its kind, if it does not exist. */
  ensureTopic(topic: string, kind: TopicKind): Promise<void>;
  /** Publishes values in order to one topic with a null key; resolves when the broker acknowledged. */
  send(topic: string, values: readonly string[]): Promise<void>;
  /** Consumes `topic` in consumer group `groupId`; commits an offset only after its handler resolved. */
  subscribe(
    topic: string,
    groupId: string,
    handler: MessageHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  close(): Promise<void>;
}

/** OpenWhisk topic names, before the `KAFKA_TOPIC_PREFIX` that adapters add. */
export const topics = {
  invoker: (invokerId: number): string => `invoker${invokerId}`,
  completed: (controllerId: string): string => `completed${controllerId}`,
  health: 'health',
  healthGroup: (controllerId: string): string => `health${controllerId}`,
} as const;
