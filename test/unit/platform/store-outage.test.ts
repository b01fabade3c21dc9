import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ActionPort } from '../../../src/api/ports.js';
import type { ActionDocument } from '../../../src/protocol/index.js';
import { resilientActions, storeOutage } from '../../../src/platform/store-outage.js';

const refused = () => new Error('error happened in your connection. Reason: Error: connect ECONNREFUSED');

function fakeActions() {
  const docs = new Map<string, ActionDocument>();
  const state = { down: false, reads: 0 };
  const port: ActionPort = {
    async get(namespace, name) {
      state.reads++;
      if (state.down) throw refused();
      return docs.get(`${namespace}/${name}`);
    },
    async put(doc) {
      if (state.down) throw refused();
      docs.set(`${doc.namespace}/${doc.name}`, doc);
      return doc;
    },
    async delete(doc) {
      if (state.down) throw refused();
      docs.delete(`${doc.namespace}/${doc.name}`);
    },
    list: async () => [],
    count: async () => 0,
  };
  return { docs, state, port };
}

const action = (name: string, version = '0.0.1') =>
  ({ namespace: 'guest', name, version }) as unknown as ActionDocument;

async function metric(registry: Registry, name: string): Promise<string> {
  return (await registry.getSingleMetricAsString(name))
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join(' ');
}

describe('stale-if-error store ports', () => {
  it('read through with CouchDB up, serve the last good copy while it is down, and count it', async () => {
    const registry = new Registry();
    const outage = storeOutage({ staleIfErrorSeconds: 300, writeQueueMax: 10 }, { registry });
    const fake = fakeActions();
    const actions = resilientActions(fake.port, outage);
    await actions.put(action('a'));
    expect(await actions.get('guest', 'a')).toMatchObject({ name: 'a' });
    expect(await actions.get('guest', 'a')).toMatchObject({ name: 'a' });
    expect(fake.state.reads).toBe(2); // no freshness of its own: every read asks the store
    fake.state.down = true;
    expect(await actions.get('guest', 'a')).toMatchObject({ name: 'a' });
    expect(await actions.get('guest', 'a')).toMatchObject({ name: 'a' });
    await expect(actions.get('guest', 'never-read')).rejects.toMatchObject({ name: 'ApiError', status: 503 });
    expect(await metric(registry, 'palette_store_unreachable')).toContain('palette_store_unreachable 1');
    expect(await metric(registry, 'palette_store_stale_served_total')).toContain(
      'palette_store_stale_served_total{kind="action"} 2',
    );
  });

  it('forget a document this replica replaced or deleted, so an outage never brings it back', async () => {
    const outage = storeOutage({ staleIfErrorSeconds: 300, writeQueueMax: 10 });
    const fake = fakeActions();
    const actions = resilientActions(fake.port, outage);
    await actions.put(action('a'));
    await actions.get('guest', 'a');
    await actions.delete(action('a'));
    fake.state.down = true;
    await expect(actions.get('guest', 'a')).rejects.toMatchObject({ name: 'ApiError', status: 503 });
  });

  it('PALETTE_STALE_IF_ERROR_SECONDS=0 turns the copies off', async () => {
    const outage = storeOutage({ staleIfErrorSeconds: 0, writeQueueMax: 10 });
    const fake = fakeActions();
    const actions = resilientActions(fake.port, outage);
    await actions.put(action('a'));
    await actions.get('guest', 'a');
    fake.state.down = true;
    await expect(actions.get('guest', 'a')).rejects.toThrow('ECONNREFUSED');
  });
});
