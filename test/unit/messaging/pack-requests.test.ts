import { describe, expect, it } from 'vitest';
import { packRequests, type QueuedSend } from '../../../src/messaging/produce-requests.js';
import {
  BATCH_OVERHEAD_BYTES,
  MAX_ACTIVATION_LIMIT,
  RECORD_OVERHEAD_BYTES,
  topicConfigEntries,
} from '../../../src/messaging/topic-config.js';

function queued(topic: string, values: string[], limit = MAX_ACTIVATION_LIMIT): QueuedSend {
  return {
    topic,
    values,
    sizes: values.map((v) => Buffer.byteLength(v)),
    limit,
    parts: 0,
    failed: false,
    resolve: () => undefined,
    reject: () => undefined,
  };
}

describe('packRequests (Kafka producer batching)', () => {
  it('puts concurrent small sends for several topics into one request, in order', () => {
    const sends = [queued('a', ['1', '2']), queued('b', ['x']), queued('a', ['3'])];
    const requests = packRequests(sends);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.topics.get('a')!.messages.map((m) => m.value)).toEqual(['1', '2', '3']);
    expect(requests[0]!.topics.get('b')!.messages.map((m) => m.value)).toEqual(['x']);
    expect(sends.map((s) => s.parts)).toEqual([1, 1, 1]);
  });

  it("cuts a topic's record batch before it exceeds max.message.bytes and keeps order across requests", () => {
    const value = 'v'.repeat(300_000);
    const send = queued(
      'invoker0',
      Array.from({ length: 10 }, (_, i) => `${i}${value}`),
    );
    const requests = packRequests([send]);
    for (const request of requests) {
      for (const batch of request.topics.values()) {
        const bytes =
          BATCH_OVERHEAD_BYTES +
          batch.messages.reduce((sum, m) => sum + Buffer.byteLength(m.value) + RECORD_OVERHEAD_BYTES, 0);
        expect(bytes).toBeLessThanOrEqual(MAX_ACTIVATION_LIMIT);
      }
    }
    const order = requests.flatMap((r) => r.topics.get('invoker0')!.messages.map((m) => m.value[0]));
    expect(order).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(send.parts).toBe(requests.length);
  });
});

describe("OpenWhisk's topic configs", () => {
  it('sets max.message.bytes = 1054644 only on invoker and completed topics, with per-kind retention', () => {
    const asMap = (kind: Parameters<typeof topicConfigEntries>[0]) =>
      Object.fromEntries(topicConfigEntries(kind).map((e) => [e.name, e.value]));
    expect(asMap('invoker')).toEqual({
      'segment.bytes': '536870912',
      'retention.bytes': '1073741824',
      'retention.ms': '172800000',
      'max.message.bytes': '1054644',
    });
    expect(asMap('completed')['retention.ms']).toBe('3600000');
    expect(asMap('completed')['max.message.bytes']).toBe('1054644');
    expect(asMap('health')['max.message.bytes']).toBeUndefined();
    expect(asMap('cacheInvalidation')['retention.ms']).toBe('300000');
  });
});
