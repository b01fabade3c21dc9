import { afterEach, describe, expect, it } from 'vitest';
import { ColorTable } from '../../../src/balancer/color-table.js';
import { PinTable } from '../../../src/balancer/pins.js';
import type { CouchConnection } from '../../../src/store/couch.js';
import { PersistentColorTable } from '../../../src/store/persistent-color-table.js';
import { pinDocId } from '../../../src/store/pin-docs.js';
import { PinStore } from '../../../src/store/pin-store.js';
import { connect, eventually, place, uniquePrefix } from './support.js';

const started: { stop(): Promise<void> }[] = [];

async function replica(couch: CouchConnection, controllerId: string) {
  const pins = new PinTable();
  const store = new PinStore(pins, couch, { controllerId, changesPollMs: 500, maxBackoffMs: 500 });
  await store.start();
  started.push(store);
  return { pins, store };
}

afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
});

describe('co-access plans pinned in CouchDB (R8, R21)', () => {
  it('a plan written by one replica is followed by another within 5 s, and survives a restart', async () => {
    const couch = await connect(uniquePrefix('pins'));
    const a = await replica(couch, 'palette0');
    const b = await replica(couch, 'palette1');
    const plan = new Map(Array.from({ length: 3000 }, (_, i) => [`user-${i}`, i % 7] as const));
    const written = await a.store.writePlan('alice', plan, { edgeLocality: 0.5 });
    expect(written).toEqual({ pinned: 3000, removed: 0 });
    expect(a.pins.pinned('alice', 'user-5')).toBe(5);
    // R21: followed within 5 s of the write.
    await eventually(() => b.pins.size === 3000, 5000);
    for (const [color, invoker] of plan) expect(b.pins.pinned('alice', color)).toBe(invoker);
    expect(b.pins.pinned('bob', 'user-5')).toBeUndefined();
    expect((await b.store.readPlan('alice'))?.summary).toEqual({ edgeLocality: 0.5 });

    const c = await replica(couch, 'palette2');
    expect(c.store.stats.loaded).toBe(3000);
    expect(c.pins.pinned('alice', 'user-2999')).toBe(2999 % 7);
  });

  it('a new plan replaces the namespace’s pins (moved, removed) and leaves other namespaces alone', async () => {
    const couch = await connect(uniquePrefix('replan'));
    const a = await replica(couch, 'palette0');
    const b = await replica(couch, 'palette1');
    await a.store.writePlan(
      'alice',
      new Map([
        ['x', 1],
        ['y', 2],
        ['z:odd/\ud800', 3],
      ]),
      {},
    );
    await a.store.writePlan('bob', new Map([['x', 4]]), {});
    await eventually(() => b.pins.size === 4);
    expect(b.pins.pinned('alice', 'z:odd/\ud800')).toBe(3);
    const second = await b.store.writePlan('alice', new Map([['x', 5]]), { v: 2 });
    expect(second).toEqual({ pinned: 1, removed: 2 });
    await eventually(() => a.pins.size === 2 && a.pins.pinned('alice', 'x') === 5);
    expect(a.pins.pinned('alice', 'y')).toBeUndefined();
    expect(a.pins.pinned('bob', 'x')).toBe(4);
    expect((await a.store.readPlan('alice'))?.summary).toEqual({ v: 2 });
  });

  it('the least-assigned table ignores pins, and pins ignore its colors; a malformed pin is skipped', async () => {
    const couch = await connect(uniquePrefix('mixed'));
    const colors = new ColorTable();
    const persisted = new PersistentColorTable<Iterable<number>>(colors, couch, {
      controllerId: 'palette0',
      changesPollMs: 500,
    });
    await persisted.start();
    started.push(persisted);
    const a = await replica(couch, 'palette0');
    place(colors, 'user-1', [0, 1]);
    await persisted.flush();
    await a.store.writePlan('alice', new Map([['user-1', 3]]), {});
    await couch
      .db('colors')
      .insert({ _id: pinDocId('alice', 'bad'), pinned: true, invoker: 'nine' } as never);
    const b = await replica(couch, 'palette1');
    expect(b.store.stats.loaded).toBe(1);
    expect(b.store.stats.skipped).toBe(1);
    expect(persisted.stats.skipped).toBe(0);
    const fresh = new ColorTable();
    const reloaded = new PersistentColorTable<Iterable<number>>(fresh, couch, { controllerId: 'palette1' });
    await reloaded.start();
    started.push(reloaded);
    expect(reloaded.stats.loaded).toBe(1);
    expect(reloaded.stats.skipped).toBe(0);
  });
});
