/**
 * Palette's in-flight route (R12) and the activation routes' read-your-writes (R6) and R7
 * annotations, over the API with in-memory ports.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activationDoc, otherAuth, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
const hex = (n: number) => n.toString(16).padStart(32, '0');
const inflightPath = (ns: string) => `/palette/v1/namespaces/${ns}/activations/inflight`;
const systemAuth =
  'bbbbbbbb-71f6-4ed5-8c54-816aa4f8c502:systemkeysystemkeysystemkeysystemkeysystemkeysystemkeysystemke';

beforeEach(async () => {
  api = await startTestApi();
  api.subjects.add('whisk.system', systemAuth);
  api.inFlight.entries = [
    { ns: 'guest', n: 1, at: 100 },
    { ns: 'other', n: 2, at: 200 },
    { ns: 'guest', n: 3, at: 300 },
  ].map(({ ns, n, at }) => ({
    activationId: hex(n),
    namespace: ns,
    action: { path: `${ns}/pkg`, name: 'sleepy', version: '0.0.1' },
    ...(n === 3 ? {} : { color: 'blue' }),
    policy: 'consistent-hash',
    invoker: n % 2,
    home: 0,
    reason: n % 2 === 1 ? 'spilled' : 'home',
    startedAt: at,
  }));
});
afterEach(async () => {
  await api.close();
});

describe('GET /palette/v1/namespaces/{ns}/activations/inflight', () => {
  it("lists the caller's in-flight activations, newest first, with placement and since", async () => {
    const res = await api.call('GET', inflightPath('_'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      {
        activationId: hex(3),
        namespace: 'guest',
        action: 'guest/pkg/sleepy',
        invoker: 1,
        home: 0,
        policy: 'consistent-hash',
        reason: 'spilled',
        since: 300,
      },
      {
        activationId: hex(1),
        namespace: 'guest',
        action: 'guest/pkg/sleepy',
        color: 'blue',
        invoker: 1,
        home: 0,
        policy: 'consistent-hash',
        reason: 'spilled',
        since: 100,
      },
    ]);
    const own = await api.call('GET', inflightPath('guest'));
    expect(((await own.json()) as unknown[]).length).toBe(2);
    const paged = await api.call('GET', `${inflightPath('_')}?limit=1&skip=1`);
    expect(((await paged.json()) as { activationId: string }[]).map((e) => e.activationId)).toEqual([hex(1)]);
  });

  it('another namespace: 403 with OpenWhisk’s message; never its activations', async () => {
    const res = await api.call('GET', inflightPath('other'));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      error: 'The supplied authentication is not authorized to access this resource.',
      code: expect.any(String),
    });
    const theirs = await api.call('GET', inflightPath('_'), { auth: otherAuth });
    expect(((await theirs.json()) as { namespace: string }[]).map((e) => e.namespace)).toEqual(['other']);
  });

  it('missing or wrong key: 401 in OpenWhisk’s shape', async () => {
    for (const auth of [null, 'nobody:wrong', `${otherAuth.split(':')[0]}:wrongkey`]) {
      const res = await api.call('GET', inflightPath('_'), { auth });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: expect.any(String), code: expect.any(String) });
    }
  });

  it('a whisk.system key sees every namespace with `_` (R12), and only GET is allowed', async () => {
    const res = await api.call('GET', inflightPath('_'), { auth: systemAuth });
    expect(((await res.json()) as unknown[]).length).toBe(3);
    const post = await api.call('POST', inflightPath('_'));
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    const bad = await api.call('GET', `${inflightPath('_')}?limit=x`);
    expect(bad.status).toBe(400);
  });
});

describe('read-your-writes (R6) on the activation routes', () => {
  it('get, logs, result and list wait for a record this replica delivered the result of', async () => {
    const id = hex(7);
    api.recent.noteDone('guest', id);
    setTimeout(() => api.activations.add(activationDoc({ activationId: id, start: Date.now() })), 60);
    const got = await api.call('GET', `/api/v1/namespaces/_/activations/${id}`);
    expect(got.status).toBe(200);

    const id2 = hex(8);
    api.recent.noteDone('guest', id2);
    setTimeout(() => api.activations.add(activationDoc({ activationId: id2, start: Date.now() })), 60);
    const listed = await api.call('GET', '/api/v1/namespaces/_/activations?limit=1');
    expect(((await listed.json()) as { activationId: string }[]).map((a) => a.activationId)).toEqual([id2]);

    for (const [n, tail] of [
      [9, 'logs'],
      [10, 'result'],
    ] as const) {
      api.recent.noteDone('guest', hex(n));
      setTimeout(() => api.activations.add(activationDoc({ activationId: hex(n), start: Date.now() })), 60);
      expect((await api.call('GET', `/api/v1/namespaces/_/activations/${hex(n)}/${tail}`)).status).toBe(200);
    }
  });

  it('an id never delivered here is 404 at once; one whose record never comes is 404 after the wait', async () => {
    let began = Date.now();
    expect((await api.call('GET', `/api/v1/namespaces/_/activations/${hex(11)}`)).status).toBe(404);
    expect(Date.now() - began).toBeLessThan(250);
    api.recent.noteDone('guest', hex(12));
    began = Date.now();
    expect((await api.call('GET', `/api/v1/namespaces/_/activations/${hex(12)}`)).status).toBe(404);
    expect(Date.now() - began).toBeGreaterThanOrEqual(200);
    // Another namespace's caller does not wait for (or see) it.
    api.recent.noteDone('guest', hex(13));
    began = Date.now();
    const theirs = await api.call('GET', `/api/v1/namespaces/_/activations/${hex(13)}`, { auth: otherAuth });
    expect(theirs.status).toBe(404);
    expect(api.recent.isPending('guest', hex(13))).toBe(true);
  });

  it('records carry palette.reason, palette.hops and palette.warm (no initTime: warm)', async () => {
    const warm = activationDoc({ activationId: hex(20), start: 1 });
    warm.annotations = [{ key: 'kind', value: 'nodejs:20' }];
    const cold = activationDoc({ activationId: hex(21), start: 2 });
    cold.annotations = [
      { key: 'kind', value: 'nodejs:20' },
      { key: 'initTime', value: 30 },
    ];
    api.activations.add(warm);
    api.activations.add(cold);
    for (const [n, at] of [
      [20, 1],
      [21, 2],
    ] as const)
      api.placements.records.set(hex(n), {
        namespace: 'guest',
        policy: 'consistent-hash',
        invoker: 1,
        home: 0,
        reason: 'spilled',
        hops: 1,
        at,
      });
    const annotations = async (n: number) =>
      (
        (await (await api.call('GET', `/api/v1/namespaces/_/activations/${hex(n)}`)).json()) as {
          annotations: { key: string; value: unknown }[];
        }
      ).annotations;
    expect(await annotations(20)).toEqual(
      expect.arrayContaining([
        { key: 'palette.reason', value: 'spilled' },
        { key: 'palette.hops', value: 1 },
        { key: 'palette.warm', value: true },
      ]),
    );
    expect(await annotations(21)).toContainEqual({ key: 'palette.warm', value: false });
  });

  it("a placement record not readable yet is filled in from this replica's own decision", async () => {
    const doc = activationDoc({ activationId: hex(30), start: 3 });
    doc.annotations = [{ key: 'kind', value: 'nodejs:20' }];
    api.activations.add(doc);
    api.recent.notePlacement(hex(30), {
      color: 'teal',
      policy: 'consistent-hash',
      invoker: 0,
      home: 0,
      reason: 'home',
      hops: 0,
    });
    const got = (await (await api.call('GET', `/api/v1/namespaces/_/activations/${hex(30)}`)).json()) as {
      annotations: unknown[];
    };
    expect(got.annotations).toEqual(
      expect.arrayContaining([
        { key: 'palette.color', value: 'teal' },
        { key: 'palette.reason', value: 'home' },
        { key: 'palette.warm', value: true },
      ]),
    );
    const listed = (await (await api.call('GET', '/api/v1/namespaces/_/activations?limit=1')).json()) as {
      annotations: unknown[];
    }[];
    expect(listed[0]!.annotations).toContainEqual({ key: 'palette.color', value: 'teal' });
  });
});
