/**
 * The Kafka adapter (kafkajs), speaking to the brokers an OpenWhisk deployment runs.
 *
 * Topics and groups carry `KAFKA_TOPIC_PREFIX` (OpenWhisk's `whisk.kafka.topics.prefix`) in front
 * of their OpenWhisk names. `ensureTopic` creates topics as OpenWhisk's `ensureTopic` does (see
 * topic-config.ts). Records have a null key and the JSON string as value, as OpenWhisk's producer.
 *
 * Producing (request packing in produce-requests.ts): `send` calls are queued and written by a pump that keeps at most
 * `maxInFlightRequests` (default 1) Produce requests in flight. Each request carries everything
 * queued meanwhile (like kafka-clients' batching, without a linger delay), so concurrent callers
 * share requests; with one request in flight, per-topic order holds even across retries and
 * kafkajs's idempotent producer is safe to enable. Every record batch is cut below the topic's
 * `max.message.bytes` (1054644 B on invoker/completed topics); a single message that cannot fit is
 * rejected up front with MessageTooLargeError. Acks: all in-sync replicas (-1).
 *
 * Consuming (kafka-subscription.ts): one kafkajs consumer per `subscribe`, reading from the earliest offset when its group
 * has none, auto-commit off. Up to `concurrency` handlers run at once as a sliding window (like
 * OpenWhisk's MessageFeed with maxPeek): fetching goes on while fewer are running, so one slow
 * handler never holds back the messages behind it (see KafkaSubscription). The committed offset
 * only passes a message once it and every earlier one have finished; commits leave the fetch path
 * and go out at most every `commitIntervalMs`. `stop` stops fetching, lets running handlers
 * finish, commits, then leaves the group. Delivery is therefore at-least-once: a crash re-delivers
 * what was not finished or not yet committed, never less. (OpenWhisk's own MessageFeed commits
 * before handling, i.e. at-most-once; this is stricter.)
 */
import { CompressionTypes, Kafka, Partitioners, type Producer, type TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type {
  MessageBus,
  MessageHandler,
  SendOptions,
  SubscribeOptions,
  Subscription,
  TopicKind,
} from './bus.js';
import { KafkaAdmin } from './kafka-admin.js';
import { kafkaLogLevelFor, pinoLogCreator } from './kafka-log.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { packRequests, type ProduceRequest, type QueuedSend } from './produce-requests.js';
import { retryTransient } from './retry-transient.js';
import { installMemberCarryover } from './member-carryover.js';
import { checkMessageSize, kindOfTopic, maxMessageBytes } from './topic-config.js';

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  /** Prepended to every topic and group name (OpenWhisk's `whisk.kafka.topics.prefix`). */
  readonly topicPrefix?: string;
  readonly clientId?: string;
  readonly logger: Logger;
  /** `whisk.kafka.replication-factor`; default 1. */
  readonly replicationFactor?: number;
  /** kafkajs's idempotent producer; safe here because one request is in flight at a time. */
  readonly idempotent?: boolean;
  /** Longest time `subscribe` waits for the consumer to join its group; default 60 s. */
  readonly joinTimeoutMs?: number;
  /** Shortest time between two offset commits of a busy subscription; default 1 s. */
  readonly commitIntervalMs?: number;
  /**
   * Produce requests in flight at once; default 1. More overlaps encoding with the broker's work,
   * but a failed and retried request may then land after a later one (order across a retry is
   * lost); kafkajs's idempotent producer also expects 1.
   */
  readonly maxInFlightRequests?: number;
  /**
   * Consumer session timeout; default 10 s (OpenWhisk: 30 s). A member the broker lost (a crashed
   * process, or every member after a broker restart) is dropped after it, and only then can the
   * group rejoin: after a broker restart consumers waited out 30 s before consuming again.
   */
  readonly sessionTimeoutMs?: number;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** Brokers refuse sessions under 6 s (group.min.session.timeout.ms); 10 s leaves room for a stalled event loop. */
const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

export class KafkaBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly producer: Producer;
  private producerReady: Promise<void> | undefined;
  private readonly admin: KafkaAdmin;
  private readonly ensured = new Map<string, Promise<void>>();
  private readonly kinds = new Map<string, TopicKind>();
  private queue: QueuedSend[] = [];
  /** Packed requests not yet issued (a large queue packs into several). */
  private ready: ProduceRequest[] = [];
  private inFlight = 0;
  private readonly maxInFlight: number;
  private pumpScheduled = false;
  private producerConnected = false;
  private drainWaiters: (() => void)[] = [];
  private readonly subscriptions = new Set<KafkaSubscription>();
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    this.prefix = options.topicPrefix ?? '';
    this.maxInFlight = Math.max(1, options.maxInFlightRequests ?? 1);
    this.logger = options.logger;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'palette',
      brokers: [...options.brokers],
      logLevel: kafkaLogLevelFor(options.logger),
      logCreator: pinoLogCreator(options.logger),
      requestTimeout: REQUEST_TIMEOUT_MS,
    });
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
      idempotent: options.idempotent ?? false,
      metadataMaxAge: 15_000,
      ...(options.idempotent ? {} : { retry: { retries: 5 } }),
    });
    this.admin = new KafkaAdmin(this.kafka, this.logger, options.replicationFactor ?? 1);
    // A consumer restarted after a broker outage rejoins as the member it was (member-carryover.ts).
    if (!installMemberCarryover())
      this.logger.warn('kafkajs internals changed: consumers rejoin as new members after a broker restart');
  }

  /** The broker-side name of an OpenWhisk topic or group name. */
  name(topicOrGroup: string): string {
    return this.prefix + topicOrGroup;
  }

  ensureTopic(topic: string, kind: TopicKind): Promise<void> {
    if (this.closed) return Promise.reject(new Error('message bus is closed'));
    const name = this.name(topic);
    this.kinds.set(name, kind);
    let done = this.ensured.get(name);
    if (!done) {
      done = this.createTopic(name, kind);
      this.ensured.set(name, done);
      done.catch(() => this.ensured.delete(name));
    }
    return done;
  }

  send(topic: string, values: readonly string[], options: SendOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('message bus is closed'));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (values.length === 0) return Promise.resolve();
    const name = this.name(topic);
    const limit = maxMessageBytes(this.kinds.get(name) ?? kindOfTopic(topic));
    let sizes: number[];
    try {
      sizes = values.map((value) => checkMessageSize(name, value, limit));
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        // Withdrawn only while still queued; once packed into a request it is the broker's.
        const index = this.queue.indexOf(queued);
        if (index < 0) return;
        this.queue.splice(index, 1);
        queued.failed = true;
        reject(signal?.reason);
      };
      const queued: QueuedSend = {
        topic: name,
        values,
        sizes,
        limit,
        parts: 0,
        failed: false,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(queued);
      this.schedulePump();
    });
  }

  /**
   * A broker that has just created a topic may not host its partition for a few seconds ("This
   * server does not host this topic-partition", a retriable kafkajs error): every consumer,
   * controller or invoker, waits that out here rather than each caller retrying on its own.
   */
  async subscribe(
    topic: string,
    groupId: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    return this.retryTransient(
      () => this.subscribeOnce(topic, groupId, handler, options),
      topic,
      'cannot consume the topic yet; retrying',
    );
  }

  /** Runs `once` again while it fails with a retriable broker error, unless the bus was closed. */
  private retryTransient<T>(once: () => Promise<T>, topic: string, what: string): Promise<T> {
    return retryTransient(once, () => this.closed, this.logger, topic, what);
  }

  private async subscribeOnce(
    topic: string,
    groupId: string,
    handler: MessageHandler,
    options: SubscribeOptions,
  ): Promise<Subscription> {
    if (this.closed) throw new Error('message bus is closed');
    const startOffsets =
      options.startAt === 'latest'
        ? await this.admin.endOffsetsForNewGroup(this.name(groupId), this.name(topic))
        : [];
    const sessionTimeout = this.options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    const subscription = new KafkaSubscription(
      this.kafka.consumer({
        groupId: this.name(groupId),
        sessionTimeout,
        heartbeatInterval: Math.min(10_000, Math.floor(sessionTimeout / 3)),
        maxWaitTimeInMs: 500,
        allowAutoTopicCreation: true,
        retry: { retries: 10 },
      }),
      this.name(topic),
      handler,
      Math.max(1, options.concurrency ?? 1),
      options.startAt ?? 'earliest',
      startOffsets,
      this.options.commitIntervalMs ?? 1_000,
      this.logger,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start(this.options.joinTimeoutMs ?? 60_000);
    } catch (err) {
      await subscription.stop();
      throw err;
    }
    return subscription;
  }

  deleteIdleGroups(select: (group: string) => boolean): Promise<string[]> {
    return this.admin.deleteIdleGroups(this.prefix, select);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subscriptions].map((s) => s.stop()));
    await this.drained();
    await Promise.allSettled([
      this.producerReady ? this.producer.disconnect() : undefined,
      this.admin.disconnect(),
    ]);
  }

  /**
   * Creating is idempotent (an existing topic answers false), so the transient "does not host this
   * topic-partition" of a loaded, fresh broker while kafkajs waits for the leaders is waited out as
   * `subscribe` does.
   */
  private createTopic(name: string, kind: TopicKind): Promise<void> {
    return this.retryTransient(
      () => this.admin.createTopic(name, kind),
      name,
      'topic not hosted yet; retrying',
    );
  }

  private connectProducer(): Promise<void> {
    if (!this.producerReady) {
      const ready = this.producer.connect();
      this.producerReady = ready;
      ready.catch(() => {
        if (this.producerReady === ready) this.producerReady = undefined;
      });
    }
    return this.producerReady;
  }

  /**
   * Moves queued sends onto the wire. Runs one macrotask after a send or a completed request, so
   * every send issued meanwhile (including the callers a completion just resumed) joins the next
   * request. Requests are issued in queue order, at most `maxInFlightRequests` at a time.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.ready.length === 0 && this.queue.length === 0) {
      if (this.inFlight === 0) this.settleDrained();
      return;
    }
    if (!this.producerConnected) {
      this.connectProducer().then(
        () => {
          this.producerConnected = true;
          this.pump();
        },
        (err: unknown) => {
          const sends = new Set([...this.queue, ...this.ready.flatMap((r) => [...r.sends])]);
          this.queue = [];
          this.ready = [];
          for (const send of sends) send.reject(err);
          this.pump();
        },
      );
      return;
    }
    while (this.inFlight < this.maxInFlight) {
      if (this.ready.length === 0) {
        if (this.queue.length === 0) break;
        this.ready = packRequests(this.queue);
        this.queue = [];
      }
      this.issue(this.ready.shift()!);
    }
  }

  private issue(request: ProduceRequest): void {
    this.inFlight += 1;
    const topicMessages: TopicMessages[] = [...request.topics].map(([topic, { messages }]) => ({
      topic,
      messages,
    }));
    const settle = (failure: unknown): void => {
      this.inFlight -= 1;
      for (const send of request.sends) {
        if (send.failed) continue;
        if (failure !== undefined) {
          send.failed = true;
          send.reject(failure);
        } else if (--send.parts === 0) {
          send.resolve();
        }
      }
      this.schedulePump();
    };
    this.producer
      .sendBatch({ topicMessages, acks: -1, timeout: REQUEST_TIMEOUT_MS, compression: CompressionTypes.None })
      .then(
        () => settle(undefined),
        (err: unknown) => settle(err ?? new Error('produce failed')),
      );
  }

  /** Resolves once nothing is queued or in flight. */
  private drained(): Promise<void> {
    if (this.queue.length === 0 && this.ready.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private settleDrained(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
