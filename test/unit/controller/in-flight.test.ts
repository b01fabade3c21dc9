/**
 * What the controller tells the read path (R6: every result or completion it receives, with the
 * activation's namespace) and what its in-flight book holds for Palette's in-flight route (R12).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { action, startHarness } from './harness.js';

type Harness = Awaited<ReturnType<typeof startHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('controller core: in-flight book and done activations', () => {
  it('a held activation is in the book with its color, policy, home and reason; it leaves on completion', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'silent' }] });
    await h.heartbeat();
    const outcome = await h.invoke(h.request(action('a'), { __palette_color: 'red' }, false));
    const [entry] = h.controller.inFlight();
    expect(entry).toMatchObject({
      activationId: outcome.activationId,
      namespace: 'guest',
      action: { path: 'guest', name: 'a' },
      color: 'red',
      policy: 'consistent-hash',
      invoker: 0,
      home: 0,
      reason: 'home',
    });
    expect(h.done).toEqual([]);
    await h.invokers[0]!.complete(h.invokers[0]!.held[0]!);
    await h.clock.advance(0);
    expect(h.controller.inFlight()).toEqual([]);
    expect(h.done).toEqual([{ namespace: 'guest', activationId: outcome.activationId }]);
  });

  it('a blocking result is reported before its completion; health tests are never reported', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'result' }] });
    await h.heartbeat();
    await h.heartbeat();
    const outcome = await h.invoke(h.request(action('a')));
    expect(outcome.kind).toBe('completed');
    expect(h.done).toEqual([{ namespace: 'guest', activationId: outcome.activationId }]);
    expect(h.controller.inFlight()).toHaveLength(1);
  });

  it('a combined ack reports the activation once, with the namespace of the book entry', async () => {
    h = await startHarness({ invokers: [{ id: 0 }] });
    await h.heartbeat();
    const outcome = await h.invoke(h.request(action('a')));
    expect(h.done).toEqual([{ namespace: 'guest', activationId: outcome.activationId }]);
  });

  it('an activation given up on (R15) is reported too: its record is written after the answer', async () => {
    h = await startHarness({ invokers: [{ id: 0, script: () => 'silent' }] });
    await h.heartbeat();
    const outcome = await h.invoke(h.request(action('a', 256, 1_000), {}, false));
    await h.clock.advance(200_000);
    expect(h.records.map((r) => r.activationId)).toEqual([outcome.activationId]);
    expect(h.done).toEqual([{ namespace: 'guest', activationId: outcome.activationId }]);
  });

  it('spilled and forced placements carry their reason and hops in the placement record', async () => {
    h = await startHarness({
      invokers: [
        { id: 0, userMemoryMB: 512, script: () => 'silent' },
        { id: 1, userMemoryMB: 512, script: () => 'silent' },
      ],
    });
    await h.heartbeat();
    const doc = action('a', 256);
    for (let i = 0; i < 5; i++) await h.invoke(h.request(doc, { __palette_color: 'hot' }, false));
    expect(h.placements.map((p) => [p.reason, p.hops])).toEqual([
      ['home', 0],
      ['home', 0],
      ['spilled', 1],
      ['spilled', 1],
      ['forced', 2],
    ]);
    expect(h.controller.inFlight().map((e) => e.reason)).toEqual([
      'home',
      'home',
      'spilled',
      'spilled',
      'forced',
    ]);
  });
});
