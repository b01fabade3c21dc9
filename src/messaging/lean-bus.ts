/**
 * The in-process bus (OpenWhisk's LeanMessagingProvider, but with Kafka's consumer-group contract so
 * code tested on it behaves the same on Kafka):
 *
 * - each topic is an append-only log with offsets; each consumer group keeps a committed offset;
 * - every group sees every message (a group that subscribes late starts at the oldest retained one,
 *   like `auto.offset.reset=earliest`); within a group one subscription is active at a time, like a
 *   one-partition topic, and the others wait to take over;
 * - the committed offset moves only past messages whose handler settled, so a subscription that
 *   stops mid-stream hands its unfinished messages to the next one (at-least-once);
 * - `send` appends and returns; delivery runs later on the event loop and yields to I/O regularly.
 *
 * Retention: entries every known group has committed are dropped; with no group yet, the oldest
 * entries beyond `maxRetainedPerTopic` are dropped (Kafka's retention, by count).
 */
import type { Logger } from 'pino';
import type {
  MessageBus,
  MessageHandler,
  SendOptions,
  SubscribeOptions,
  Subscription,
  TopicKind,
} from './bus.js';
import { OffsetTracker } from './offset-tracker.js';
import { checkMessageSize, kindOfTopic, maxMessageBytes } from './topic-config.js';

export interface LeanBusOptions {
  readonly logger?: Logger;
  /** Messages kept per topic while no consumer group has read them; default 100,000. */
  readonly maxRetainedPerTopic?: number;
}

/** Handlers started back to back before the delivery loop yields to the event loop. */
const DELIVERIES_PER_TURN = 64;

interface LeanTopic {
  kind: TopicKind | undefined;
  /** Offset of `log[0]`. */
  base: number;
  log: string[];
  groups: Map<string, LeanGroup>;
}

interface LeanGroup {
  committed: number;
  members: LeanMember[];
}

class LeanMember implements Subscription {
  private stopping = false;
  private wake: (() => void) | undefined;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  private started = false;

  constructor(
    private readonly bus: LeanBus,
    private readonly topic: LeanTopic,
    private readonly group: LeanGroup,
    private readonly handler: MessageHandler,
    private readonly concurrency: number,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  /** Called when the member becomes the group's active one. */
  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    // Deliver from a later turn: handlers never run inside the caller's subscribe() or send().
    setImmediate(() => void this.deliver().finally(() => this.resolveDone()));
  }

  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.notify();
      if (!this.started) this.resolveDone();
    }
    await this.done;
    this.bus.leave(this.topic, this.group, this);
  }

  private async deliver(): Promise<void> {
    const tracker = new OffsetTracker(this.group.committed);
    const inFlight = new Set<Promise<void>>();
    let next = this.group.committed;
    let sinceYield = 0;
    while (!this.stopping) {
      if (next < this.topic.base) next = this.topic.base; // retention dropped what we never read
      if (next >= this.topic.base + this.topic.log.length) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      if (inFlight.size >= this.concurrency) {
        await Promise.race(inFlight);
        continue;
      }
      const offset = next++;
      const value = this.topic.log[offset - this.topic.base] as string;
      const running: Promise<void> = this.bus
        .runHandler(this.handler, value)
        .then(() => {
          if (tracker.finish(offset)) this.bus.commit(this.topic, this.group, tracker.next);
        })
        .finally(() => inFlight.delete(running));
      inFlight.add(running);
      if (++sinceYield >= DELIVERIES_PER_TURN) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    await Promise.all(inFlight);
  }
}

export class LeanBus implements MessageBus {
  private readonly topics = new Map<string, LeanTopic>();
  private readonly logger: Logger | undefined;
  private readonly maxRetained: number;
  private closed = false;

  constructor(options: LeanBusOptions = {}) {
    this.logger = options.logger;
    this.maxRetained = options.maxRetainedPerTopic ?? 100_000;
  }

  async ensureTopic(topic: string, kind: TopicKind): Promise<void> {
    this.assertOpen();
    const existing = this.topics.get(topic);
    if (existing) existing.kind ??= kind;
    else this.topics.set(topic, newTopic(kind));
  }

  async send(topic: string, values: readonly string[], options: SendOptions = {}): Promise<void> {
    this.assertOpen();
    options.signal?.throwIfAborted();
    const log = this.topic(topic);
    const limit = maxMessageBytes(log.kind);
    for (const value of values) checkMessageSize(topic, value, limit);
    log.log.push(...values);
    if (log.groups.size === 0 && log.log.length > this.maxRetained) {
      const drop = log.log.length - this.maxRetained;
      log.log.splice(0, drop);
      log.base += drop;
    }
    for (const group of log.groups.values()) group.members[0]?.notify();
  }

  async subscribe(
    topic: string,
    groupId: string,
    handler: MessageHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    this.assertOpen();
    const log = this.topic(topic);
    let group = log.groups.get(groupId);
    if (!group) {
      const start = options.startAt === 'latest' ? log.base + log.log.length : log.base;
      group = { committed: start, members: [] };
      log.groups.set(groupId, group);
    }
    const member = new LeanMember(this, log, group, handler, Math.max(1, options.concurrency ?? 1));
    group.members.push(member);
    if (group.members.length === 1) member.start();
    return member;
  }

  async deleteIdleGroups(select: (group: string) => boolean): Promise<string[]> {
    const deleted: string[] = [];
    for (const topic of this.topics.values()) {
      for (const [id, group] of topic.groups) {
        if (group.members.length === 0 && select(id)) {
          topic.groups.delete(id);
          deleted.push(id);
        }
      }
    }
    return [...new Set(deleted)];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const members = [...this.topics.values()].flatMap((t) =>
      [...t.groups.values()].flatMap((g) => g.members),
    );
    await Promise.all(members.map((m) => m.stop()));
  }

  /** @internal Runs one handler; a rejection is logged and counts as handled. */
  async runHandler(handler: MessageHandler, value: string): Promise<void> {
    try {
      await handler(value);
    } catch (err) {
      this.logger?.error({ err }, 'message handler failed; message counts as handled');
    }
  }

  /** @internal */
  commit(topic: LeanTopic, group: LeanGroup, offset: number): void {
    if (offset <= group.committed) return;
    group.committed = offset;
    let lowest = Infinity;
    for (const g of topic.groups.values()) lowest = Math.min(lowest, g.committed);
    const drop = lowest - topic.base;
    // Compact in chunks: splicing the array front on every commit would be quadratic.
    if (drop > 0 && (drop >= 1024 || drop * 2 >= topic.log.length)) {
      topic.log.splice(0, drop);
      topic.base = lowest;
    }
  }

  /** @internal A stopped member leaves its group; the next waiting one takes over. */
  leave(_topic: LeanTopic, group: LeanGroup, member: LeanMember): void {
    const index = group.members.indexOf(member);
    if (index < 0) return;
    group.members.splice(index, 1);
    if (index === 0 && !this.closed) group.members[0]?.start();
  }

  private topic(name: string): LeanTopic {
    let topic = this.topics.get(name);
    if (!topic) {
      // Like auto.create.topics.enable: a topic used before ensureTopic gets its kind from its name.
      topic = newTopic(kindOfTopic(name));
      this.topics.set(name, topic);
    }
    return topic;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('message bus is closed');
  }
}

function newTopic(kind: TopicKind | undefined): LeanTopic {
  return { kind, base: 0, log: [], groups: new Map() };
}
