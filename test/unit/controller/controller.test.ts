import { afterEach, describe, expect, it, vi } from 'vitest';
import { NoInvokersError, PublishTimeoutError } from '../../../src/controller/types.js';
import { forcedCompletionTimeoutMs } from '../../../src/controller/in-flight-book.js';
import { action, startHarness } from './harness.js';

type Harness = Awaited<ReturnType<typeof startHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const inFlightOn = (harness: Harness, id: number) => harness.load.view().find((v) => v.id === id)?.inFlight;
const memoryOn = (harness: Harness, id: number) => harness.load.view().find((v) => v.id === id)?.inFlightMB;
const counter = async (harness: Harness, name: string) =>
  (await harness.metrics.registry.getSingleMetric(name)?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0;

describe('controller core: health', () => {
  it('an invoker becomes healthy through its health test action; one that never answers it gets no work', async () => {
    h = await startHarness({ invokers: [{ id: 0 }, { id: 1, ignoreHealthTests: true }] });
    await h.heartbeat();
    expect(h.status(0)).toBe('healthy');
    expect(h.status(1)).toBe('unhealthy');
    expect(h.seen).toEqual([0, 1]);
    for (let i = 0; i < 20; i++) await h.invoke(h.request(action('a'), { __palette_color: `c${i}` }));
    expect(h.invokers[0]!.received).toHaveLength(20);
    expect(h.invokers[1]!.received).toHaveLength(0);
  });

  it('no healthy invoker: NoInvokersError and nothing published', async () => {
    h = await startHarness({ invokers: [{ id: 0, ignoreHealthTests: true }] });
    await h.heartbeat();
    await expect(h.invoke(h.request(action('a')))).rejects.toBeInstanceOf(NoInvokersError);
    expect(h.invokers[0]!.received).toHaveLength(0);
    expect(h.controller.inFlight()).toHaveLength(0);
  });
});

describe('controller core: results and completions', () => {
  it('a blocking invoke gets the combined ack; the slot is freed and the placement recorded', async () => {
    h = await startHarness({ invokers: [{ id: 0 }] });
    await h.heartbeat();
    const outcome = await h.invoke(h.request(action('a'), { x: 1, __palette_color: 'red' }));
    expect(outcome.kind).toBe('completed');
    if (outcome.kind !== 'completed') return;
    expect(outcome.activation.response.result).toEqual({ echoed: { x: 1 } });
    expect(h.controller.inFlight()).toHaveLength(0);
    expect(inFlightOn(h, 0)).toBe(0);
    expect(h.placements).toMatchObject([
      {
        activationId: outcome.activationId,
        color: 'red',
        invoker: 0,
        home: 0,
        forced: false,
        spilled: false,
      },
    ]);
  });

  it('an early result answers the caller while the slot stays held until the completion', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'result' }] });
    await h.heartbeat();
    const outcome = await h.invoke(h.request(action('a'), { __palette_color: 'red' }));
    expect(outcome.kind).toBe('completed');
    // The memory stays held (OpenWhisk's slot) and the activation stays in the book, but it no
    // longer counts for balance: it only finishes (a sequence's next step is placed now).
    expect(memoryOn(h, 0)).toBe(256);
    expect(h.controller.inFlight()).toHaveLength(1);
    expect(inFlightOn(h, 0)).toBe(0);
    await h.invokers[0]!.complete(h.invokers[0]!.held[0]!);
    await h.clock.advance(0);
    expect(inFlightOn(h, 0)).toBe(0);
    expect(memoryOn(h, 0)).toBe(0);
    expect(h.controller.inFlight()).toHaveLength(0);
  });

  it('a completion before its result frees the slot and the caller still gets the result', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'completion-then-result' }] });
    await h.heartbeat();
    const outcome = await h.invoke(h.request(action('a')));
    expect(outcome.kind).toBe('completed');
    expect(inFlightOn(h, 0)).toBe(0);
  });

  it('a shrunk result is read back from the store by id', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'shrunk' }] });
    await h.heartbeat();
    const invoker = h.invokers[0]!;
    const harness = h;
    const running = h.invoke(h.request(action('a'), { y: 2 }), 5_000);
    // The record appears in the store only after the first poll missed it.
    setImmediate(() => {
      const message = invoker.received[0]!;
      harness.clock.after(1_500, () => harness.stored.set(message.activationId, invoker.activation(message)));
    });
    const outcome = await running;
    expect(outcome.kind).toBe('completed');
    if (outcome.kind === 'completed')
      expect(outcome.activation.response.result).toEqual({ echoed: { y: 2 } });
  });

  it('a shrunk result never stored: the caller gets the id (202) once its wait has passed', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'shrunk' }] });
    await h.heartbeat();
    const outcome = await h.invoke(h.request(action('a'), {}, true, 4_000), 10_000);
    expect(outcome.kind).toBe('accepted');
  });

  it('a blocking caller whose result never comes gets the id after waitMs; the slot stays held', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'silent' }] });
    await h.heartbeat();
    const outcome = await h.invoke(h.request(action('a'), {}, true, 3_000), 5_000);
    expect(outcome.kind).toBe('accepted');
    expect(inFlightOn(h, 0)).toBe(1);
  });

  it('a publish that fails gives the slot back and reaches the caller as an error', async () => {
    h = await startHarness({ invokers: [{ id: 0 }] });
    await h.heartbeat();
    vi.spyOn(h.bus, 'send').mockRejectedValueOnce(new Error('broker gone'));
    await expect(h.invoke(h.request(action('a')))).rejects.toThrow('broker gone');
    expect(h.controller.inFlight()).toHaveLength(0);
    expect(inFlightOn(h, 0)).toBe(0);
    expect(h.placements).toHaveLength(0);
  });
});

describe('controller core: forced completion', () => {
  it('an activation never completed is released at max(timeout, 60 s) x 2 + 60 s, and a late completion changes nothing', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'silent' }] });
    await h.heartbeat();
    await h.invoke(h.request(action('a', 256, 1_000), {}, false));
    expect(inFlightOn(h, 0)).toBe(1);
    const deadline = forcedCompletionTimeoutMs(1_000);
    expect(deadline).toBe(180_000);
    // Keep the invoker alive (pings) while the clock runs to one second before the deadline.
    for (let t = 0; t < deadline - 2_000; t += 1_000) await h.heartbeat();
    expect(inFlightOn(h, 0)).toBe(1);
    await h.heartbeat();
    await h.heartbeat();
    expect(inFlightOn(h, 0)).toBe(0);
    expect(await counter(h, 'palette_forced_completions_total')).toBe(1);
    await h.invokers[0]!.complete(h.invokers[0]!.held[0]!);
    await h.clock.advance(0);
    expect(inFlightOn(h, 0)).toBe(0);
    // One timeout while the 10-result buffer is still priming: OpenWhisk's InvokerActor goes unresponsive.
    expect(h.status(0)).toBe('unresponsive');
  });

  it('more than three forced completions in the last ten results make the invoker unresponsive', async () => {
    h = await startHarness({ invokers: [{ id: 0, userMemoryMB: 2048, script: () => 'silent' }] });
    await h.heartbeat();
    const doc = action('a', 128, 1_000);
    for (let i = 0; i < 3; i++) await h.invoke(h.request(doc, { __palette_color: `c${i}` }, false));
    for (let t = 0; t < forcedCompletionTimeoutMs(1_000) + 2_000; t += 1_000) await h.heartbeat();
    expect(h.status(0)).toBe('healthy');
    await h.invoke(h.request(doc, { __palette_color: 'c3' }, false));
    for (let t = 0; t < forcedCompletionTimeoutMs(1_000) + 2_000; t += 1_000) await h.heartbeat();
    expect(h.status(0)).toBe('unresponsive');
    expect(await counter(h, 'palette_forced_completions_total')).toBe(4);
  });
});

describe('controller core: invokers gone for good', () => {
  it('an invoker silent for 10 s is offline; after invokerGoneMs it leaves the set and only its colors move', async () => {
    h = await startHarness({ invokers: [{ id: 0 }, { id: 1 }, { id: 2 }], invokerGoneMs: 30_000 });
    await h.heartbeat();
    const colors = Array.from({ length: 60 }, (_, i) => `color-${i}`);
    const before = new Map<string, number>();
    for (const color of colors) {
      await h.invoke(h.request(action('a'), { __palette_color: color }));
      before.set(color, h.placements.at(-1)!.invoker!);
    }
    const victim = 1;
    expect([...before.values()]).toContain(victim);
    const alive = h.invokers.filter((i) => i.instance.instance !== victim);
    for (let t = 0; t < 12_000; t += 1_000) {
      for (const invoker of alive) await invoker.ping();
      await h.clock.advance(1_000);
    }
    expect(h.status(victim)).toBe('offline');
    expect(h.gone).toEqual([]);
    for (let t = 0; t < 30_000; t += 1_000) {
      for (const invoker of alive) await invoker.ping();
      await h.clock.advance(1_000);
    }
    expect(h.gone).toEqual([{ invoker: victim, remaining: [0, 2] }]);
    expect(h.status(victim)).toBeUndefined();
    expect(h.load.view().map((v) => v.id)).toEqual([0, 2]);
    for (const color of colors) {
      await h.invoke(h.request(action('a'), { __palette_color: color }));
      const now = h.placements.at(-1)!.invoker;
      if (before.get(color) !== victim) expect(now).toBe(before.get(color));
      else expect(now).not.toBe(victim);
    }
  });

  it('an invoker that comes back after it was gone is seen again and takes work', async () => {
    h = await startHarness({ invokers: [{ id: 0 }, { id: 1 }], invokerGoneMs: 5_000 });
    await h.heartbeat();
    const survivor = h.invokers[0]!;
    for (let t = 0; t < 20_000; t += 1_000) {
      await survivor.ping();
      await h.clock.advance(1_000);
    }
    expect(h.gone.map((g) => g.invoker)).toEqual([1]);
    await h.heartbeat();
    expect(h.seen).toEqual([0, 1, 1]);
    expect(h.status(1)).toBe('healthy');
  });
});

describe('controller core: replica capacity split', () => {
  it('with two replicas each controller uses half of every invoker, then spills, then forces', async () => {
    h = await startHarness({
      invokers: [
        { id: 0, userMemoryMB: 1024, script: () => 'silent' },
        { id: 1, userMemoryMB: 1024, script: () => 'silent' },
      ],
      replicas: 2,
    });
    await h.heartbeat();
    expect(h.load.view().map((v) => v.capacityMB)).toEqual([512, 512]);
    const doc = action('a', 256);
    for (let i = 0; i < 5; i++) await h.invoke(h.request(doc, { __palette_color: 'hot' }, false));
    const [first, second, third, fourth, fifth] = h.placements;
    expect(second!.invoker).toBe(first!.invoker);
    expect([first, second].every((p) => p !== undefined && !p.spilled && !p.forced)).toBe(true);
    expect(third!.spilled && !third!.forced).toBe(true);
    expect(fourth!.spilled && !fourth!.forced).toBe(true);
    expect(fifth!.forced).toBe(true);
    expect(h.load.view().reduce((sum, v) => sum + v.inFlightMB, 0)).toBe(5 * 256);
  });

  it('one replica gets the whole invoker', async () => {
    h = await startHarness({ invokers: [{ id: 0, userMemoryMB: 1024 }] });
    await h.heartbeat();
    expect(h.load.view().map((v) => v.capacityMB)).toEqual([1024]);
  });
});

describe('controller core: activations given up on get a system-error record (R15)', () => {
  it('an invoker declared offline: every activation it held is answered with a system error and recorded', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'silent' }] });
    await h.heartbeat();
    const blocking = h.invoke(h.request(action('a'), { __palette_color: 'x' }, true, 60_000), 20_000);
    await h.invoke(h.request(action('b'), {}, false));
    expect(inFlightOn(h, 0)).toBe(2);
    const outcome = await blocking; // no pings: offline after 10 s, long before the 60 s wait ends
    expect(h.status(0)).toBe('offline');
    expect(outcome.kind).toBe('completed');
    if (outcome.kind === 'completed') {
      expect(outcome.activation.response.statusCode).toBe(3);
      expect(outcome.activation.response.result).toEqual({ error: expect.stringContaining('went offline') });
    }
    expect(h.records.map((r) => r.name).sort()).toEqual(['a', 'b']);
    expect(h.records.every((r) => r.response.statusCode === 3 && r.subject === 'guest')).toBe(true);
    expect(h.controller.inFlight()).toHaveLength(0);
    expect(inFlightOn(h, 0)).toBe(0);
  });

  it('a forced completion writes the record too', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'silent' }] });
    await h.heartbeat();
    await h.invoke(h.request(action('a', 256, 1_000), {}, false));
    for (let t = 0; t < forcedCompletionTimeoutMs(1_000) + 2_000; t += 1_000) await h.heartbeat();
    expect(h.records).toHaveLength(1);
    expect(h.records[0]!.response.result).toEqual({ error: expect.stringContaining('forced-completion') });
  });

  it('completed activations get no such record', async () => {
    h = await startHarness({ invokers: [{ id: 0 }] });
    await h.heartbeat();
    await h.invoke(h.request(action('a')));
    for (let t = 0; t < 15_000; t += 1_000) await h.clock.advance(1_000);
    expect(h.status(0)).toBe('offline');
    expect(h.records).toHaveLength(0);
  });
});

describe('controller core: a broker that does not take the message', () => {
  it('the publish gives up after 5 s with PublishTimeoutError, frees the slot and withdraws the send', async () => {
    h = await startHarness({ invokers: [{ id: 0 }] });
    await h.heartbeat();
    let signal: AbortSignal | undefined;
    vi.spyOn(h.bus, 'send').mockImplementationOnce((_topic, _values, options) => {
      signal = options?.signal;
      return new Promise(() => {});
    });
    await expect(h.invoke(h.request(action('a')), 6_000)).rejects.toBeInstanceOf(PublishTimeoutError);
    expect(signal?.aborted).toBe(true);
    expect(h.controller.inFlight()).toHaveLength(0);
    expect(inFlightOn(h, 0)).toBe(0);
    expect(h.placements).toHaveLength(0);
  });
});

describe('controller core: what the API reads and passes on', () => {
  it("counts the namespace's activations in flight until their completions arrive", async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'silent' }] });
    await h.heartbeat();
    await h.invoke(h.request(action('a'), {}, false));
    await h.invoke(h.request(action('b'), {}, false));
    expect(h.controller.activeActivationsFor('guest')).toBe(2);
    expect(h.controller.activeActivationsFor('other')).toBe(0);
    const [first] = h.invokers[0]!.held;
    await h.invokers[0]!.complete(first!);
    await h.heartbeat();
    expect(h.controller.activeActivationsFor('guest')).toBe(1);
  });

  it("names the binding an action was reached through in its message (the record's `binding` annotation)", async () => {
    h = await startHarness({ invokers: [{ id: 0 }] });
    await h.heartbeat();
    await h.invoke(h.request({ ...action('a'), binding: 'guest/mybinding' }));
    await h.invoke(h.request(action('b')));
    const [viaBinding, plain] = h.invokers[0]!.received;
    expect(viaBinding!.action).toEqual({
      path: 'guest',
      name: 'a',
      version: '0.0.1',
      binding: 'guest/mybinding',
    });
    expect(plain!.action).not.toHaveProperty('binding');
  });
});
