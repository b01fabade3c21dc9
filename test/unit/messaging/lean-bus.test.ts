import { describe, expect, it } from 'vitest';
import { LeanBus } from '../../../src/messaging/lean-bus.js';
import { describeBusContract, freshCompletedTopic, waitFor } from './bus-contract.js';

describeBusContract('Lean', () => new LeanBus(), { timeoutMs: 5_000 });

describe('Lean bus specifics', () => {
  it('never runs a handler inside send() or subscribe()', async () => {
    const bus = new LeanBus();
    const topic = freshCompletedTopic();
    let calls = 0;
    await bus.send(topic, ['before']);
    const sub = await bus.subscribe(topic, topic, async () => void (calls += 1));
    expect(calls).toBe(0);
    await bus.send(topic, ['after']);
    expect(calls).toBe(0);
    await waitFor(() => calls === 2, 1_000, 'deliveries');
    await sub.stop();
    await bus.close();
  });

  it('delivers each message to one member of a group; a waiting member takes over', async () => {
    const bus = new LeanBus();
    const topic = freshCompletedTopic();
    const a: string[] = [];
    const b: string[] = [];
    const subA = await bus.subscribe(topic, 'g', async (v) => void a.push(v));
    const subB = await bus.subscribe(topic, 'g', async (v) => void b.push(v));
    await bus.send(topic, ['1', '2']);
    await waitFor(() => a.length === 2, 1_000, 'active member');
    expect(b).toEqual([]);
    await subA.stop();
    await bus.send(topic, ['3']);
    await waitFor(() => b.length === 1, 1_000, 'standby member');
    expect(b).toEqual(['3']);
    await subB.stop();
    await bus.close();
  });

  it('keeps the event loop responsive while draining a long backlog', async () => {
    const bus = new LeanBus();
    const topic = freshCompletedTopic();
    const n = 20_000;
    await bus.send(
      topic,
      Array.from({ length: n }, (_, i) => String(i)),
    );
    let handled = 0;
    let timerFiredAt = -1;
    const sub = await bus.subscribe(topic, topic, async () => void (handled += 1));
    setTimeout(() => (timerFiredAt = handled), 0);
    await waitFor(() => handled === n, 5_000, 'backlog');
    await sub.stop();
    await bus.close();
    // The timer ran before the backlog was done: delivery yielded to the event loop.
    expect(timerFiredAt).toBeGreaterThanOrEqual(0);
    expect(timerFiredAt).toBeLessThan(n);
  });

  it('drops messages every group has committed', async () => {
    const bus = new LeanBus({ maxRetainedPerTopic: 10 });
    const topic = freshCompletedTopic();
    // No group yet: only the newest 10 are kept (retention by count).
    await bus.send(
      topic,
      Array.from({ length: 25 }, (_, i) => `${i}`),
    );
    const seen: string[] = [];
    const sub = await bus.subscribe(topic, topic, async (v) => void seen.push(v));
    await waitFor(() => seen.length === 10, 1_000, 'retained messages');
    await sub.stop();
    expect(seen[0]).toBe('15');
    await bus.close();
  });
});
