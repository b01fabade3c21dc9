import { afterEach, describe, expect, it } from 'vitest';
import { PinTable } from '../../../src/balancer/index.js';
import { action, startHarness } from './harness.js';

let h: Awaited<ReturnType<typeof startHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('controller core: pinned colors', () => {
  it('sends a pinned color to its pin, counts it as planned, and follows the policy once the pin is gone', async () => {
    const pins = new PinTable();
    h = await startHarness({ invokers: [{ id: 0 }, { id: 1 }, { id: 2 }], pins });
    await h.heartbeat();
    // Pin each color away from its hash home, so the pin is what moves it.
    const colors = ['red', 'green', 'blue', 'cyan'];
    const homes = new Map<string, number>();
    for (const color of colors) {
      await h.invoke(h.request(action('a'), { __palette_color: color }));
      homes.set(color, h.placements.at(-1)!.invoker!);
      pins.set('guest', color, (homes.get(color)! + 1) % 3);
    }
    for (const color of colors) {
      await h.invoke(h.request(action('a'), { __palette_color: color }));
      expect(h.placements.at(-1)!.invoker).toBe((homes.get(color)! + 1) % 3);
    }
    const placed = await h.metrics.registry.getSingleMetric('palette_activations_placed_by_total')!.get();
    expect(placed.values).toEqual([
      { labels: { policy: 'consistent-hash', reason: 'planned' }, value: colors.length },
    ]);
    pins.set('guest', 'red', 9);
    await h.invoke(h.request(action('a'), { __palette_color: 'red' }));
    expect(h.placements.at(-1)!.invoker).toBe(homes.get('red'));
  });
});
