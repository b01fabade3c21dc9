/**
 * Request packing for the Kafka producer pump: queued sends, in order, become Produce requests
 * whose per-topic record batch stays under the topic's `max.message.bytes`, and whose whole
 * request stays under the broker's request limit. Pure: no kafkajs, no I/O.
 */
import { BATCH_OVERHEAD_BYTES, RECORD_OVERHEAD_BYTES } from './topic-config.js';

/** Broker-side limit on one Produce request is `socket.request.max.bytes` (100 MiB); stay well under. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export interface QueuedSend {
  readonly topic: string;
  readonly values: readonly string[];
  readonly sizes: readonly number[];
  readonly limit: number;
  /** Requests still to be acknowledged for this send. */
  parts: number;
  failed: boolean;
  resolve(): void;
  reject(err: unknown): void;
}

export interface ProduceRequest {
  readonly topics: Map<string, { messages: { value: string }[]; bytes: number }>;
  bytes: number;
  readonly sends: Set<QueuedSend>;
}

/**
 * Packs queued sends, in order, into Produce requests whose per-topic record batch stays under the
 * topic's limit. A send larger than one batch spans several consecutive requests.
 */
export function packRequests(sends: readonly QueuedSend[]): ProduceRequest[] {
  const requests: ProduceRequest[] = [];
  let current: ProduceRequest | undefined;
  for (const send of sends) {
    for (let i = 0; i < send.values.length; i++) {
      const bytes = (send.sizes[i] as number) + RECORD_OVERHEAD_BYTES;
      let batch = current?.topics.get(send.topic);
      const batchBytes = batch?.bytes ?? BATCH_OVERHEAD_BYTES;
      if (!current || batchBytes + bytes > send.limit || current.bytes + bytes > MAX_REQUEST_BYTES) {
        current = { topics: new Map(), bytes: 0, sends: new Set() };
        requests.push(current);
        batch = undefined;
      }
      if (!batch) {
        batch = { messages: [], bytes: BATCH_OVERHEAD_BYTES };
        current.topics.set(send.topic, batch);
        current.bytes += BATCH_OVERHEAD_BYTES;
      }
      batch.messages.push({ value: send.values[i] as string });
      batch.bytes += bytes;
      current.bytes += bytes;
      if (!current.sends.has(send)) {
        current.sends.add(send);
        send.parts += 1;
      }
    }
  }
  return requests;
}
