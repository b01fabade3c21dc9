import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activationDoc, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
const hex = (n: number) => n.toString(16).padStart(32, '0');

beforeEach(async () => {
  api = await startTestApi();
  for (let i = 1; i <= 35; i++) {
    api.activations.add(
      activationDoc({ activationId: hex(i), start: 1000 * i, name: i % 2 === 0 ? 'even' : 'odd' }),
    );
  }
  api.activations.add(activationDoc({ activationId: hex(999), start: 5, namespace: 'other' }));
});
afterEach(async () => {
  await api.close();
});

type Listed = {
  activationId: string;
  start: number;
  name: string;
  annotations: { key: string; value: unknown }[];
  response?: unknown;
};

async function list(query: string): Promise<Listed[]> {
  const res = await api.call('GET', `/api/v1/namespaces/_/activations${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Listed[];
}

describe('activation list', () => {
  it('returns briefs, newest first, 30 by default', async () => {
    const items = await list('?limit=30&skip=0');
    expect(items).toHaveLength(30);
    expect(items[0]!.activationId).toBe(hex(35));
    expect(items.map((i) => i.start)).toEqual([...items.map((i) => i.start)].sort((a, b) => b - a));
    expect(items[0]).toEqual({
      namespace: 'guest',
      name: 'odd',
      version: '0.0.1',
      publish: false,
      annotations: expect.any(Array),
      activationId: hex(35),
      start: 35000,
      end: 35005,
      duration: 5,
      statusCode: 0,
    });
    expect(await list('')).toHaveLength(30);
  });

  it('limit=0 means the maximum; limit over 200 is 400', async () => {
    expect(await list('?limit=0')).toHaveLength(35);
    const res = await api.call('GET', '/api/v1/namespaces/_/activations?limit=201');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: "The value '201' is not in the range of 0 to 200 for activations.",
    });
  });

  it('filters by name, since and upto, and pages with skip', async () => {
    const items = await list('?name=even&since=10000&upto=20000&skip=1&limit=2');
    expect(items.map((i) => i.start)).toEqual([18000, 16000]);
    expect(api.activations.lastQuery).toMatchObject({
      name: 'even',
      since: 10000,
      upto: 20000,
      skip: 1,
      limit: 2,
    });
    expect((await api.call('GET', '/api/v1/namespaces/_/activations?name=a/b/c')).status).toBe(400);
  });

  it('docs=true returns full extended records', async () => {
    const items = await list('?docs=true&limit=1');
    expect(items[0]).toMatchObject({
      activationId: hex(35),
      response: { status: 'success', success: true },
      logs: expect.any(Array),
    });
    expect(items[0]!.response).not.toHaveProperty('statusCode');
    expect(items[0]).not.toHaveProperty('_id');
  });

  it('counts, and refuses count with docs', async () => {
    expect(
      await (await api.call('GET', '/api/v1/namespaces/_/activations?count=true&name=odd')).json(),
    ).toEqual({ activations: 18 });
    expect((await api.call('GET', '/api/v1/namespaces/_/activations?count=true&docs=true')).status).toBe(400);
  });

  it('merges placement records as palette.* annotations', async () => {
    api.placements.records.set(hex(35), {
      namespace: 'guest',
      color: 'user-7',
      policy: 'consistent-hash',
      invoker: 2,
      home: 1,
      at: 35000,
    });
    api.placements.records.set(hex(34), {
      namespace: 'guest',
      policy: 'openwhisk-sharding',
      invoker: 0,
      home: 0,
      at: 34000,
    });
    const [a, b, c] = await list('?limit=3');
    expect(a!.annotations).toEqual(
      expect.arrayContaining([
        { key: 'palette.color', value: 'user-7' },
        { key: 'palette.policy', value: 'consistent-hash' },
        { key: 'palette.invoker', value: 2 },
        { key: 'palette.home', value: 1 },
      ]),
    );
    expect(b!.annotations.find((x) => x.key === 'palette.color')).toBeUndefined();
    expect(b!.annotations).toContainEqual({ key: 'palette.policy', value: 'openwhisk-sharding' });
    expect(c!.annotations.some((x) => x.key.startsWith('palette.'))).toBe(false);
  });

  it('filters by color through the placement records (color=)', async () => {
    for (const i of [3, 10, 20, 30]) {
      api.placements.records.set(hex(i), {
        namespace: 'guest',
        color: 'blue',
        policy: 'consistent-hash',
        invoker: 1,
        home: 1,
        at: 1000 * i,
      });
    }
    api.placements.records.set(hex(11), {
      namespace: 'guest',
      color: 'red',
      policy: 'consistent-hash',
      invoker: 0,
      home: 0,
      at: 11000,
    });
    const blue = await list('?color=blue');
    expect(blue.map((i) => i.activationId)).toEqual([hex(30), hex(20), hex(10), hex(3)]);
    expect(blue[0]!.annotations).toContainEqual({ key: 'palette.color', value: 'blue' });
    expect((await list('?color=blue&since=5000&upto=25000')).map((i) => i.start)).toEqual([20000, 10000]);
    expect((await list('?color=blue&limit=2&skip=1')).map((i) => i.start)).toEqual([20000, 10000]);
    expect((await list('?color=blue&name=even')).map((i) => i.start)).toEqual([30000, 20000, 10000]);
    const docs = await list('?color=blue&docs=true&limit=1');
    expect(docs[0]).toMatchObject({ activationId: hex(30), response: { success: true } });
    expect(
      await (await api.call('GET', '/api/v1/namespaces/_/activations?color=blue&count=true')).json(),
    ).toEqual({ activations: 4 });
    expect(await list('?color=green')).toEqual([]);
  });

  it('still answers when the placement records cannot be read', async () => {
    api.placements.failing = true;
    expect(await list('?limit=2')).toHaveLength(2);
  });
});

describe('one activation', () => {
  it('gets the extended record with its placement', async () => {
    api.placements.records.set(hex(7), {
      namespace: 'guest',
      color: 'c',
      policy: 'consistent-hash',
      invoker: 3,
      home: 3,
      at: 7000,
    });
    const res = await api.call('GET', `/api/v1/namespaces/_/activations/${hex(7)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Listed & Record<string, unknown>;
    expect(body).toMatchObject({
      activationId: hex(7),
      duration: 5,
      response: { status: 'success', success: true, result: { ok: true } },
    });
    expect(body).not.toHaveProperty('_id');
    expect(body).not.toHaveProperty('entityType');
    expect(body.annotations).toContainEqual({ key: 'palette.invoker', value: 3 });
  });

  it('serves result and logs', async () => {
    expect(await (await api.call('GET', `/api/v1/namespaces/_/activations/${hex(7)}/result`)).json()).toEqual(
      {
        result: { ok: true },
        size: 11,
        success: true,
        status: 'success',
      },
    );
    expect(await (await api.call('GET', `/api/v1/namespaces/_/activations/${hex(7)}/logs`)).json()).toEqual({
      logs: ['2023-11-14T22:13:20.012345678Z stdout: hi'],
    });
  });

  it('answers 400 for a malformed id and 404 for a missing or foreign one', async () => {
    for (const bad of ['abc', 'ABCDEF'.padEnd(32, '0'), `${hex(7)}0`]) {
      const res = await api.call('GET', `/api/v1/namespaces/_/activations/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'The activation id is not valid.' });
    }
    expect((await api.call('GET', `/api/v1/namespaces/_/activations/${hex(500)}`)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/namespaces/_/activations/${hex(999)}/logs`)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/namespaces/_/activations/${hex(500)}/result`)).status).toBe(404);
  });
});
