/**
 * First decisions confirmed through the store (issue 15 item 5) against the real pouchdb-server:
 * replicas placing the same new colors at once publish the same invoker for every color, because a
 * replica whose create-only document loses reads the winner and adopts it before publishing. With
 * the store unreachable, the local decision is used at once and the invoke is not held.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ColorTable } from '../../../src/balancer/color-table.js';
import { ColorConfirmations } from '../../../src/store/color-confirmation.js';
import { openCouch, type CouchConnection } from '../../../src/store/couch.js';
import { PersistentColorTable } from '../../../src/store/persistent-color-table.js';
import { freePort } from '../../../src/platform/embedded-couch.js';
import { connect, uniquePrefix } from './support.js';

const started: PersistentColorTable<Iterable<number>>[] = [];

afterEach(async () => {
  for (const p of started.splice(0)) await p.stop();
});

async function replica(couch: CouchConnection, controllerId: string, start = true, waitMs = 5_000) {
  const table = new ColorTable();
  const confirmations = new ColorConfirmations({ waitMs });
  const persisted = new PersistentColorTable(table, couch, {
    controllerId,
    changesPollMs: 500,
    maxBackoffMs: 500,
    confirmations,
  });
  if (start) await persisted.start();
  else table.setListener(persisted);
  started.push(persisted);
  /** What the controller shell does: decide, then publish the confirmed invoker. */
  const publish = async (color: string, candidates: readonly number[]): Promise<number> => {
    const local = table.get(color) ?? table.assign(color, candidates);
    const confirmed = confirmations.wait(color);
    return confirmed ? await confirmed : local;
  };
  return { table, confirmations, persisted, publish };
}

/** Three orders of the same colors: as given, reversed, interleaved from both ends. */
function orders(colors: readonly string[]): string[][] {
  const ends: string[] = [];
  for (let i = 0, j = colors.length - 1; i <= j; i++, j--)
    ends.push(colors[i]!, ...(i < j ? [colors[j]!] : []));
  return [[...colors], [...colors].reverse(), ends];
}

describe('first decisions confirmed through the create-only color document', () => {
  it('three replicas placing the same 600 new colors in different orders publish the same invoker for each', async () => {
    const couch = await connect(uniquePrefix('first'));
    const replicas = await Promise.all(['palette0', 'palette1', 'palette2'].map((id) => replica(couch, id)));
    const colors = Array.from({ length: 600 }, (_, i) => `first-${i}`);
    const candidates = [0, 1, 2, 3, 4, 5];
    const began = Date.now();
    const published = await Promise.all(
      orders(colors).map(async (order, r) => {
        const mine = new Map<string, number>();
        // Requests arrive in small groups, as concurrent HTTP requests do; each waits for its confirmation.
        for (let i = 0; i < order.length; i += 20)
          await Promise.all(
            order.slice(i, i + 20).map(async (c) => mine.set(c, await replicas[r]!.publish(c, candidates))),
          );
        return mine;
      }),
    );
    const elapsed = Date.now() - began;
    const agreeing = colors.filter((c) => new Set(published.map((m) => m.get(c))).size === 1).length;
    const stats = replicas.map((r) => r.confirmations.stats);
    const local = replicas.map((r) => [...r.table.entries()].length);
    console.log(
      `[first-decision] 600 colors x 3 replicas in ${elapsed} ms: ${agreeing} agree; ` +
        `created/adopted/local per replica ${stats.map((s) => `${s.created}/${s.adopted}/${s.local}`).join(', ')}`,
    );
    expect(agreeing).toBe(colors.length);
    expect(stats.reduce((n, s) => n + s.local, 0)).toBe(0);
    expect(stats.reduce((n, s) => n + s.created, 0)).toBe(colors.length);
    expect(local).toEqual([600, 600, 600]);
    // Nothing stays pending, and every table holds what was published.
    for (const r of replicas) expect(r.confirmations.size).toBe(0);
    for (const [i, r] of replicas.entries())
      for (const c of colors) expect(r.table.get(c)).toBe(published[i]!.get(c));
  });

  it('a known color is never held: nothing is pending once its first decision is confirmed', async () => {
    const couch = await connect(uniquePrefix('known'));
    const a = await replica(couch, 'palette0');
    const first = await a.publish('known', [0, 1]);
    expect(a.confirmations.wait('known')).toBeUndefined();
    expect(await a.publish('known', [0, 1])).toBe(first);
  });

  it('with the store unreachable the local decision is used at once, and the write waits for the store', async () => {
    // A CouchDB address nobody listens on: every request is refused.
    const down = openCouch({ url: `http://127.0.0.1:${await freePort()}`, prefix: uniquePrefix('down') });
    // A wait bound far beyond the test's timeout: the failed request, not the bound, must release it.
    const a = await replica(down, 'palette0', false, 600_000);
    const began = Date.now();
    const invoker = await a.publish('outage-1', [0, 1, 2]);
    const firstMs = Date.now() - began;
    expect(a.table.get('outage-1')).toBe(invoker);
    expect(a.confirmations.stats.local).toBe(1);
    expect(a.confirmations.bypassing).toBe(true);
    // While the store is down, a new color is not held at all.
    a.table.assign('outage-2', [0, 1, 2]);
    expect(a.confirmations.wait('outage-2')).toBeUndefined();
    expect(a.persisted.pendingWrites).toBeGreaterThan(0);
    console.log(`[first-decision] store unreachable: first new color placed locally after ${firstMs} ms`);
  });
});
