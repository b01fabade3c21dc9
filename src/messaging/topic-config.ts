/**
 * OpenWhisk's topic settings (`whisk.kafka.topics` in common/scala/.../application.conf, and
 * `KafkaMessagingProvider.ensureTopic`): one partition, replication factor
 * `whisk.kafka.replication-factor` (default 1), per-kind retention, and `max.message.bytes` =
 * MAX_ACTIVATION_LIMIT on the invoker and completed topics. Both adapters use the same limits, so a
 * message the Lean bus accepts is one Kafka accepts too.
 */
import type { TopicKind } from './bus.js';

/** `whisk.activation.payload.max` (1 MiB) + `whisk.activation.serdes-overhead` (6068 B). */
export const MAX_ACTIVATION_LIMIT = 1_048_576 + 6_068;

/** Kafka's broker default `message.max.bytes`: the limit on topics that do not set their own. */
export const BROKER_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

const retentionMs: Record<TopicKind, number> = {
  cacheInvalidation: 300_000,
  completed: 3_600_000,
  health: 3_600_000,
  invoker: 172_800_000,
  events: 3_600_000,
};

/** The kind of an unprefixed OpenWhisk topic name, for topics this process did not create itself. */
export function kindOfTopic(topic: string): TopicKind | undefined {
  if (/^invoker\d+$/.test(topic)) return 'invoker';
  if (topic.startsWith('completed')) return 'completed';
  if (topic === 'health') return 'health';
  if (topic === 'cacheInvalidation') return 'cacheInvalidation';
  if (topic === 'events') return 'events';
  return undefined;
}

export function maxMessageBytes(kind: TopicKind | undefined): number {
  return kind === 'invoker' || kind === 'completed' ? MAX_ACTIVATION_LIMIT : BROKER_DEFAULT_MAX_MESSAGE_BYTES;
}

/** The topic-level configs OpenWhisk's ensureTopic sets for `kind`, as Kafka config names. */
export function topicConfigEntries(kind: TopicKind): { name: string; value: string }[] {
  const entries = [
    { name: 'segment.bytes', value: '536870912' },
    { name: 'retention.bytes', value: '1073741824' },
    { name: 'retention.ms', value: String(retentionMs[kind]) },
  ];
  if (kind === 'invoker' || kind === 'completed') {
    entries.push({ name: 'max.message.bytes', value: String(MAX_ACTIVATION_LIMIT) });
  }
  return entries;
}

/**
 * Upper bounds of the record-batch framing (Kafka message format v2): the batch header is 61 bytes
 * and a null-key, header-less record adds at most 21 bytes of varints and attributes. The broker
 * checks `max.message.bytes` against the whole batch, so batches are cut with these bounds.
 */
export const BATCH_OVERHEAD_BYTES = 61;
export const RECORD_OVERHEAD_BYTES = 21;

export class MessageTooLargeError extends Error {
  readonly retriable = false;
  constructor(topic: string, bytes: number, limit: number) {
    super(`message of ${bytes} bytes on topic ${topic} exceeds max.message.bytes ${limit} with framing`);
    this.name = 'MessageTooLargeError';
  }
}

/** Throws MessageTooLargeError unless `value` fits in a batch of its own on a topic with `limit`. */
export function checkMessageSize(topic: string, value: string, limit: number): number {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes + RECORD_OVERHEAD_BYTES + BATCH_OVERHEAD_BYTES > limit) {
    throw new MessageTooLargeError(topic, bytes, limit);
  }
  return bytes;
}
