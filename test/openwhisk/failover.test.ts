/**
 * SIGKILL of a real OpenWhisk invoker (the JVM itself) under Palette's controller, three real
 * invokers: once Palette sees it offline, the colors it held move to the others and no other
 * color moves (issue 14).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeCode, restFor, startFleet, type Fleet, type ProbeResult } from './harness.js';
import { skipReason } from './support.js';

const reason = await skipReason();

describe.skipIf(reason !== undefined)('SIGKILL of a real OpenWhisk invoker', () => {
  let fleet: Fleet;
  let rest: ReturnType<typeof restFor>;

  beforeAll(async () => {
    fleet = await startFleet('owkill', [0, 1, 2]);
    rest = restFor(fleet);
    const reply = await rest.call('PUT', '/namespaces/_/actions/probe?overwrite=true', {
      exec: { kind: 'nodejs:20', code: probeCode },
    });
    expect(reply.status).toBe(200);
  });

  afterAll(async () => {
    await fleet?.stop();
  }, 120_000);

  /**
   * Waits (at most 10 s) until this controller holds nothing in flight. A real invoker frees a slot
   * only after collecting logs; on a loaded machine the previous calls' completions can lag, and
   * bounded loads then rightly spills a call, which is not what "sticks" is about.
   */
  const drained = async () => {
    for (let waited = 0; waited < 10_000; waited += 100) {
      const text = await (await fetch(`${fleet.apiHost}/metrics`)).text();
      const inFlight = text
        .split('\n')
        .filter((line) => line.startsWith('palette_inflight_activations{'))
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
      if (inFlight <= 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const placeOf = async (color: string): Promise<number> => {
    await drained();
    const reply = await rest.invoke('probe', { __palette_color: color });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const invoker = fleet.invokerOfPid((reply.body as ProbeResult).pid);
    expect(invoker, `${color} ran on a real invoker`).toBeDefined();
    return invoker!;
  };

  it('moves only the killed invoker colors', async () => {
    const colors = Array.from({ length: 18 }, (_, i) => `user-${i}`);
    const before = new Map<string, number>();
    for (const color of colors) before.set(color, await placeOf(color));
    for (const color of colors) expect(await placeOf(color), `${color} sticks`).toBe(before.get(color));

    const counts = new Map<number, number>();
    for (const id of before.values()) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(counts.size, 'colors spread over the three real invokers').toBe(3);
    const victim = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    const killed = fleet.real.get(victim)!.process;
    const exited = new Promise((resolve) => killed.once('exit', resolve));
    killed.kill('SIGKILL');
    await exited;

    await fleet.waitStatus([victim], 'down', 60_000); // Palette sees it offline (no ping for 10 s)

    const after = new Map<string, number>();
    for (const color of colors) after.set(color, await placeOf(color));
    for (const color of colors) {
      if (before.get(color) === victim)
        expect(after.get(color), `${color} left the dead invoker`).not.toBe(victim);
      else expect(after.get(color), `${color} stayed`).toBe(before.get(color));
    }
    // and the moved colors stick to their new invoker
    for (const color of colors) expect(await placeOf(color)).toBe(after.get(color));
  });
});
