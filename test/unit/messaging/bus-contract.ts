/**
 * The MessageBus contract, run against both adapters: the Lean bus in test/unit/messaging and the
 * Kafka bus against a real broker in test/integration/kafka. Whatever code is tested on Lean must
 * behave the same on Kafka, so the suites are the same code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageBus, Subscription } from '../../../src/messaging/bus.js';
import { MAX_ACTIVATION_LIMIT, MessageTooLargeError } from '../../../src/messaging/topic-config.js';

export interface ContractOptions {
  /** Generous bound for "eventually" (a real broker needs time for group joins). */
  readonly timeoutMs: number;
}

let counter = 0;
/** A topic name no other test uses: `completed<suffix>` so its kind follows from its name. */
export function freshCompletedTopic(): string {
  counter += 1;
  return `completedt${counter}x${Math.random().toString(36).slice(2, 8)}`;
}

export async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeBusContract(name: string, makeBus: () => MessageBus, options: ContractOptions): void {
  describe(`MessageBus contract: ${name}`, () => {
    let bus: MessageBus;
    const { timeoutMs } = options;

    beforeAll(() => {
      bus = makeBus();
    });
    afterAll(async () => {
      await bus.close();
    });

    it('delivers values in order and byte for byte, including ones sent before the subscription', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      const values = ['{"a":1}', 'ünïcødé ✓ \u{1F600}', '', '{"b":[1,2,3]}'];
      await bus.send(topic, values.slice(0, 2));
      const received: string[] = [];
      const sub = await bus.subscribe(topic, topic, async (v) => {
        received.push(v);
      });
      await bus.send(topic, values.slice(2));
      await waitFor(() => received.length >= values.length, timeoutMs, 'all values');
      await sub.stop();
      expect(received).toEqual(values);
    });

    it('a new group that starts at the latest offset sees only what is sent after it joined', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      await bus.send(topic, ['old-1', 'old-2']);
      const received: string[] = [];
      const sub = await bus.subscribe(topic, `${topic}.1`, async (v) => void received.push(v), {
        startAt: 'latest',
      });
      await bus.send(topic, ['new-1', 'new-2']);
      await waitFor(() => received.length >= 2, timeoutMs, 'the new values');
      await sub.stop();
      expect(received).toEqual(['new-1', 'new-2']);
    });

    it('deletes the idle groups it is asked to, and no group with a member', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      const seen: string[] = [];
      const old = await bus.subscribe(topic, `${topic}.100`, async (v) => void seen.push(v));
      await bus.send(topic, ['x']);
      await waitFor(() => seen.length >= 1, timeoutMs, 'one value');
      await old.stop();
      const live = await bus.subscribe(topic, `${topic}.200`, async () => {});
      const deleted = await bus.deleteIdleGroups((group) => group.startsWith(`${topic}.`));
      await live.stop();
      expect(deleted).toEqual([`${topic}.100`]);
    });

    it('a send whose signal is already aborted is rejected and never delivered', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      const abort = new AbortController();
      abort.abort(new Error('withdrawn'));
      await expect(bus.send(topic, ['never'], { signal: abort.signal })).rejects.toThrow('withdrawn');
      const received: string[] = [];
      const sub = await bus.subscribe(topic, topic, async (v) => void received.push(v));
      await bus.send(topic, ['after']);
      await waitFor(() => received.length >= 1, timeoutMs, 'the later value');
      await sub.stop();
      expect(received).toEqual(['after']);
    });

    it('gives every consumer group every message', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      const values = Array.from({ length: 50 }, (_, i) => `m${i}`);
      const a: string[] = [];
      const b: string[] = [];
      const subA = await bus.subscribe(topic, `${topic}-groupA`, async (v) => void a.push(v));
      const subB = await bus.subscribe(topic, `${topic}-groupB`, async (v) => void b.push(v));
      await bus.send(topic, values);
      await waitFor(() => a.length >= 50 && b.length >= 50, timeoutMs, 'both groups');
      await Promise.all([subA.stop(), subB.stop()]);
      expect(a).toEqual(values);
      expect(b).toEqual(values);
    });

    it('resumes a group after a clean stop without loss and without re-delivering finished messages', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      const values = Array.from({ length: 300 }, (_, i) => `r${i}`);
      await bus.send(topic, values);
      const first: string[] = [];
      const firstHolder: { sub?: Subscription } = {};
      let stopping: Promise<void> | undefined;
      firstHolder.sub = await bus.subscribe(topic, topic, async (v) => {
        await sleep(1);
        first.push(v);
        // Stop from outside the handler: stop() waits for this very handler to finish.
        if (first.length === 40) setImmediate(() => (stopping = firstHolder.sub?.stop()));
      });
      await waitFor(() => stopping !== undefined, timeoutMs, 'first consumer to reach 40');
      await stopping;
      const firstCount = first.length;
      expect(firstCount).toBeGreaterThanOrEqual(40);
      expect(firstCount).toBeLessThan(values.length);

      const second: string[] = [];
      const secondSub = await bus.subscribe(topic, topic, async (v) => void second.push(v));
      await waitFor(() => first.length + second.length >= values.length, timeoutMs, 'the rest');
      await sleep(200); // room for any wrong re-delivery to show up
      await secondSub.stop();
      expect(first).toEqual(values.slice(0, firstCount));
      expect(second).toEqual(values.slice(firstCount));
    });

    it('runs up to `concurrency` handlers at once and commits only past finished messages', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      const values = Array.from({ length: 120 }, (_, i) => `c${i}`);
      await bus.send(topic, values);
      let running = 0;
      let maxRunning = 0;
      const started: string[] = [];
      const finished = new Set<string>();
      const holder: { sub?: Subscription } = {};
      let stopping: Promise<void> | undefined;
      holder.sub = await bus.subscribe(
        topic,
        topic,
        async (v) => {
          started.push(v);
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          // Later messages finish earlier: completions arrive out of order.
          await sleep(v.endsWith('0') ? 30 : 2);
          running -= 1;
          finished.add(v);
          if (finished.size === 60) setImmediate(() => (stopping = holder.sub?.stop()));
        },
        { concurrency: 4 },
      );
      await waitFor(() => stopping !== undefined, timeoutMs, '60 finished');
      await stopping;
      expect(maxRunning).toBeLessThanOrEqual(4);
      expect(maxRunning).toBeGreaterThan(1);
      // Clean stop: everything started has finished.
      expect(new Set(started)).toEqual(finished);

      const again: string[] = [];
      const resumed = await bus.subscribe(topic, topic, async (v) => void again.push(v));
      await waitFor(() => new Set([...finished, ...again]).size === values.length, timeoutMs, 'the rest');
      await resumed.stop();
      // No loss; nothing finished is delivered again (the stop committed all of it).
      expect(again.filter((v) => finished.has(v))).toEqual([]);
      expect(new Set([...finished, ...again]).size).toBe(values.length);
    });

    it('keeps a window of `concurrency` handlers: one blocked handler does not hold back later messages', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      let release: () => void = () => undefined;
      const blocked = new Promise<void>((resolve) => (release = resolve));
      const finished: string[] = [];
      let started = 0;
      const sub = await bus.subscribe(
        topic,
        topic,
        async (v) => {
          started += 1;
          if (v === 'h1') await blocked;
          finished.push(v);
        },
        { concurrency: 4 },
      );
      await bus.send(topic, ['h1']);
      await waitFor(() => started === 1, timeoutMs, 'h1 to start');
      // Sent after h1 was fetched; more of them than the window, which h1 keeps one slot of.
      const later = ['h2', 'h3', 'h4', 'h5', 'h6'];
      await bus.send(topic, later);
      await waitFor(() => finished.length === later.length, timeoutMs, 'h2..h6 while h1 is blocked');
      expect(finished).toEqual(later);
      release();
      await sub.stop();
      expect(finished).toEqual([...later, 'h1']);

      // Everything finished, so the stop committed past all of it: a new member gets nothing again.
      const again: string[] = [];
      const resumed = await bus.subscribe(topic, topic, async (v) => void again.push(v));
      await bus.send(topic, ['h7']);
      await waitFor(() => again.length > 0, timeoutMs, 'h7');
      await resumed.stop();
      expect(again).toEqual(['h7']);
    });

    it('keeps consuming after a handler rejects', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      const seen: string[] = [];
      const sub = await bus.subscribe(topic, topic, async (v) => {
        seen.push(v);
        if (v === 'bad') throw new Error('handler failure (expected by the test)');
      });
      await bus.send(topic, ['ok1', 'bad', 'ok2']);
      await waitFor(() => seen.length >= 3, timeoutMs, 'messages after the failing one');
      await sub.stop();
      expect(seen).toEqual(['ok1', 'bad', 'ok2']);
    });

    it('accepts a message of OpenWhisk MAX_ACTIVATION_LIMIT minus framing and rejects a larger one', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      const frame = 61 + 21;
      const biggest = JSON.stringify({ pad: 'x'.repeat(MAX_ACTIVATION_LIMIT - frame - 10) });
      expect(Buffer.byteLength(biggest)).toBe(MAX_ACTIVATION_LIMIT - frame);
      await expect(bus.send(topic, [biggest + 'y'])).rejects.toBeInstanceOf(MessageTooLargeError);
      // Several large messages in one call: the adapter must split them into batches that fit.
      const many = [biggest, 'small', biggest.replace('x', 'z')];
      await bus.send(topic, many);
      const received: string[] = [];
      const sub = await bus.subscribe(topic, topic, async (v) => void received.push(v));
      await waitFor(() => received.length >= 3, timeoutMs, 'large messages');
      await sub.stop();
      expect(received.map((v) => v.length)).toEqual(many.map((v) => v.length));
      expect(received).toEqual(many);
    });

    it('lets concurrent senders interleave while each send stays in order', async () => {
      const topic = freshCompletedTopic();
      await bus.ensureTopic(topic, 'completed');
      const senders = 8;
      const perSender = 25;
      await Promise.all(
        Array.from({ length: senders }, async (_, s) => {
          for (let i = 0; i < perSender; i++) await bus.send(topic, [`${s}:${i}`]);
        }),
      );
      const received: string[] = [];
      const sub = await bus.subscribe(topic, topic, async (v) => void received.push(v));
      await waitFor(() => received.length >= senders * perSender, timeoutMs, 'all sends');
      await sub.stop();
      for (let s = 0; s < senders; s++) {
        const mine = received.filter((v) => v.startsWith(`${s}:`));
        expect(mine).toEqual(Array.from({ length: perSender }, (_, i) => `${s}:${i}`));
      }
    });

    it('sends nothing for an empty list and refuses work after close', async () => {
      const other = makeBus();
      await other.send(freshCompletedTopic(), []);
      await other.close();
      await expect(other.send(freshCompletedTopic(), ['x'])).rejects.toThrow(/closed/);
    });
  });
}
