/**
 * The consuming half of the Kafka adapter: one kafkajs consumer per subscription (see KafkaBus).
 */
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { MessageHandler, Subscription } from './bus.js';
import { OffsetWindow } from './offset-tracker.js';
import { crashed, forgetMember, rememberMember } from './member-carryover.js';

/**
 * One consumer group member with a sliding window of handlers (OpenWhisk's MessageFeed keeps up to
 * maxPeek messages in flight the same way). `eachBatch` starts the batch's messages as window
 * slots free up and returns as soon as all of them have started, so kafkajs fetches the next
 * batch while handlers still run; a slow handler never holds back the messages behind it. A batch
 * waits only while `concurrency` handlers are running.
 *
 * kafkajs keeps two positions apart here: the fetch position moves with `resolveOffset` (called
 * when a message starts, eachBatchAutoResolve off), while the committed offset is ours alone
 * (autoCommit off): per partition, the first started message whose handler has not finished
 * (OffsetWindow). Commits are sent off the fetch path, at most one every `commitIntervalMs`.
 *
 * After a rejoin kafkajs fetches again from the committed offset; messages this member already
 * started (still running or finished) are skipped rather than run twice. A partition assigned
 * elsewhere is forgotten: its running handlers finish but commit nothing (the new owner gets them
 * again, at-least-once).
 */
export class KafkaSubscription implements Subscription {
  private readonly windows = new Map<number, OffsetWindow>();
  /** Offsets last committed per partition. */
  private readonly committed = new Map<number, number>();
  private readonly running = new Set<Promise<void>>();
  private wakeBatch: (() => void) | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private commits: Promise<void> = Promise.resolve();
  private lastCommitAt = 0;
  /** The group this subscription joined (from its GROUP_JOIN), for member-carryover.ts. */
  private groupId: string | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly handler: MessageHandler,
    private readonly concurrency: number,
    private readonly startAt: 'earliest' | 'latest',
    /** Where a new group starts (its topic's end offsets when it starts at the latest): sought before the first fetch. */
    private readonly startOffsets: readonly { partition: number; offset: string }[],
    private readonly commitIntervalMs: number,
    private readonly logger: Logger,
    private readonly onStopped: () => void,
  ) {}

  async start(joinTimeoutMs: number): Promise<void> {
    let removeListener: (() => void) | undefined;
    const joined = new Promise<void>((resolve) => {
      removeListener = this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve());
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.groupId = payload.groupId;
      rememberMember(this, payload.groupId, payload.memberId);
      this.assigned(payload.memberAssignment[this.topic] ?? []);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) crashed(this, payload.groupId);
      this.logger.error(
        { err: payload.error, topic: this.topic, restart: payload.restart },
        'kafka consumer crashed',
      );
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topic: this.topic, fromBeginning: this.startAt === 'earliest' });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.handleBatch(payload),
      });
      for (const { partition, offset } of this.startOffsets)
        this.consumer.seek({ topic: this.topic, partition, offset });
      // The first join on a fresh broker can fail with "group coordinator not available" and is
      // retried by kafkajs; resolve once the consumer really is a member of its group.
      await Promise.race([
        joined,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`consumer for ${this.topic} did not join its group within ${joinTimeoutMs} ms`),
              ),
            joinTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      removeListener?.();
    }
  }

  /** Stops fetching, lets running handlers finish, commits what they finished, leaves the group. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      try {
        this.stopping = true;
        this.wake();
        try {
          // Paused, kafkajs stops fetching but keeps heartbeating while the handlers finish.
          this.consumer.pause([{ topic: this.topic }]);
        } catch {
          // Not running yet (a failed subscribe): nothing is fetched anyway.
        }
        await Promise.all(this.running);
        clearTimeout(this.commitTimer);
        this.commitTimer = undefined;
        await this.commit();
        await this.consumer.disconnect();
      } finally {
        if (this.groupId !== undefined) forgetMember(this, this.groupId);
        this.onStopped();
      }
    })();
    return this.stopped;
  }

  /** A (re)join: keep the windows of partitions still ours, forget the others. */
  private assigned(partitions: readonly number[]): void {
    for (const partition of [...this.windows.keys()]) {
      if (!partitions.includes(partition)) {
        this.windows.delete(partition);
        this.committed.delete(partition);
      }
    }
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    let window = this.windows.get(batch.partition);
    if (!window) {
      window = new OffsetWindow();
      this.windows.set(batch.partition, window);
    }
    let keepAlive: NodeJS.Timeout | undefined;
    let heartbeatFailed = false;
    const halted = (): boolean => this.stopping || heartbeatFailed || !isRunning() || isStale();
    try {
      for (const message of batch.messages) {
        const offset = Number(message.offset);
        if (!window.has(offset)) {
          if (!window.canStart(offset)) {
            // Fetched from before anything this window saw (offsets reset elsewhere): start over.
            window = new OffsetWindow();
            this.windows.set(batch.partition, window);
            this.committed.delete(batch.partition);
          }
          while (this.running.size >= this.concurrency && !halted()) {
            // Waiting for a slot can take as long as a handler; stay in the group meanwhile, and
            // give up the batch on a failed heartbeat (a rebalance) so kafkajs can rejoin.
            keepAlive ??= setInterval(() => {
              heartbeat().catch(() => (heartbeatFailed = true));
              this.wake();
            }, 1_000);
            await new Promise<void>((resolve) => (this.wakeBatch = resolve));
          }
          if (halted()) return;
          window.start(offset);
          this.dispatch(batch.partition, window, offset, message.value?.toString('utf8') ?? '');
        }
        // Fetching continues after the last started message; stopping early leaves the rest to
        // the next fetch.
        resolveOffset(message.offset);
      }
    } finally {
      clearInterval(keepAlive);
      this.wakeBatch = undefined;
    }
  }

  private dispatch(partition: number, window: OffsetWindow, offset: number, value: string): void {
    const running: Promise<void> = this.run(value).then(() => {
      this.running.delete(running);
      if (window.finish(offset) && this.windows.get(partition) === window) this.scheduleCommit();
      this.wake();
    });
    this.running.add(running);
  }

  private wake(): void {
    const wake = this.wakeBatch;
    this.wakeBatch = undefined;
    wake?.();
  }

  private scheduleCommit(): void {
    if (this.commitTimer || this.stopping) return;
    const wait = Math.max(0, this.lastCommitAt + this.commitIntervalMs - Date.now());
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      void this.commit();
    }, wait);
  }

  /** Commits every window's `next` that moved; one commit request at a time, in order. */
  private commit(): Promise<void> {
    this.commits = this.commits.then(async () => {
      const offsets: { topic: string; partition: number; offset: string }[] = [];
      for (const [partition, window] of this.windows) {
        const next = window.next;
        if (next !== undefined && next !== this.committed.get(partition)) {
          offsets.push({ topic: this.topic, partition, offset: String(next) });
        }
      }
      if (offsets.length === 0) return;
      this.lastCommitAt = Date.now();
      try {
        await this.consumer.commitOffsets(offsets);
        for (const { partition, offset } of offsets) this.committed.set(partition, Number(offset));
      } catch (err) {
        // A rebalance or a lost coordinator; the next commit (or the new owner) catches up.
        this.logger.warn({ err, topic: this.topic, offsets }, 'offset commit failed');
      }
    });
    return this.commits;
  }

  private async run(value: string): Promise<void> {
    try {
      await this.handler(value);
    } catch (err) {
      this.logger.error({ err, topic: this.topic }, 'message handler failed; message counts as handled');
    }
  }
}
