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
  /**
   * Where a group with no committed offset starts: the oldest retained message (default, Kafka's
   * `earliest`) or only messages sent from now on (`latest`). A controller's per-incarnation groups
   * start at the latest: what earlier incarnations left behind is not theirs to handle (R16).
   */
  readonly startAt?: 'earliest' | 'latest';
}

export interface SendOptions {
  /**
   * Aborting withdraws the send if it has not been handed to the broker yet, and rejects it. A send
   * already on the wire cannot be recalled: it may still be delivered.
   */
  readonly signal?: AbortSignal;
}

export interface Subscription {
  /** Stops consuming after in-flight handlers finish; offsets of finished messages are committed. */
  stop(): Promise<void>;
}

export interface MessageBus {
  /** Creates the topic (prefixed) with OpenWhisk's settings for its kind, if it does not exist. */
  ensureTopic(topic: string, kind: TopicKind): Promise<void>;
  /** Publishes values in order to one topic with a null key; resolves when the broker acknowledged. */
  send(topic: string, values: readonly string[], options?: SendOptions): Promise<void>;
  /** Consumes `topic` in consumer group `groupId`; commits an offset only after its handler resolved. */
  subscribe(
    topic: string,
    groupId: string,
    handler: MessageHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /**
   * Deletes the consumer groups that `select` picks (by their unprefixed name) and that have no
   * member; answers the names deleted. Groups of a crashed process expire on their own otherwise.
   */
  deleteIdleGroups(select: (group: string) => boolean): Promise<string[]>;
  close(): Promise<void>;
}

/** OpenWhisk topic names, before the `KAFKA_TOPIC_PREFIX` that adapters add. */
export const topics = {
  invoker: (invokerId: number): string => `invoker${invokerId}`,
  completed: (controllerId: string): string => `completed${controllerId}`,
  health: 'health',
  healthGroup: (controllerId: string): string => `health${controllerId}`,
  /** A controller incarnation's own group on `health` (R16): `health<id>.<startMs>`. */
  healthIncarnationGroup: (controllerId: string, startMs: number): string =>
    `health${controllerId}.${startMs}`,
  /** A controller incarnation's own group on `completed<id>` (R16): `completed<id>.<startMs>`. */
  completedIncarnationGroup: (controllerId: string, startMs: number): string =>
    `completed${controllerId}.${startMs}`,
} as const;
