import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(async () => {
  await api.close();
});

const code = 'function main(p) { return { greeting: "hi " + p.name }; }';
const wskCreate = {
  namespace: '_',
  name: 'hello',
  exec: { kind: 'nodejs:default', code },
  annotations: [{ key: 'description', value: 'demo' }],
  parameters: [{ key: 'name', value: 'World' }],
};

async function json(res: globalThis.Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

describe('PUT action', () => {
  it('creates an action the way OpenWhisk amends it and stores a document the invoker can read', async () => {
    const res = await api.call('PUT', '/api/v1/namespaces/_/actions/hello?overwrite=false', {
      body: wskCreate,
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      namespace: 'guest',
      name: 'hello',
      version: '0.0.1',
      publish: false,
      exec: { kind: 'nodejs:20', code, binary: false },
      parameters: [{ key: 'name', value: 'World' }],
      limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 },
    });
    expect(body.annotations).toEqual([
      { key: 'description', value: 'demo' },
      { key: 'provide-api-key', value: false },
      { key: 'exec', value: 'nodejs:20' },
    ]);
    expect(body).not.toHaveProperty('_id');
    expect(body).not.toHaveProperty('_rev');
    const stored = api.actions.docs.get('guest/hello')!;
    expect(stored).toMatchObject({
      _id: 'guest/hello',
      entityType: 'action',
      namespace: 'guest',
      name: 'hello',
    });
    expect(typeof stored.updated).toBe('number');
    expect(typeof stored.exec.code).toBe('string');
  });

  it('accepts the JS client form (no namespace or name in the body, a trailing ?)', async () => {
    const res = await api.call('PUT', '/api/v1/namespaces/_/actions/js?', {
      body: { exec: { kind: 'nodejs:18', code }, annotations: [], parameters: [] },
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ exec: { kind: 'nodejs:18' } });
  });

  it('refuses to create over an existing action without overwrite (409)', async () => {
    await api.call('PUT', '/api/v1/namespaces/_/actions/hello', { body: wskCreate });
    const res = await api.call('PUT', '/api/v1/namespaces/_/actions/hello?overwrite=false', {
      body: wskCreate,
    });
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ error: 'resource already exists' });
  });

  it('updates with overwrite: bumps the patch version, keeps what the body omits, merges annotations', async () => {
    await api.call('PUT', '/api/v1/namespaces/_/actions/hello', { body: wskCreate });
    const update = await api.call('PUT', '/api/v1/namespaces/_/actions/hello?overwrite=true', {
      body: {
        annotations: [
          { key: 'description', value: 'changed' },
          { key: 'x', value: 1 },
        ],
        limits: { timeout: 3000 },
      },
    });
    expect(update.status).toBe(200);
    const body = await json(update);
    expect(body).toMatchObject({
      version: '0.0.2',
      exec: { kind: 'nodejs:20', code },
      parameters: [{ key: 'name', value: 'World' }],
      limits: { timeout: 3000, memory: 256, logs: 10, concurrency: 1 },
    });
    expect(body.annotations).toEqual([
      { key: 'description', value: 'changed' },
      { key: 'provide-api-key', value: false },
      { key: 'exec', value: 'nodejs:20' },
      { key: 'x', value: 1 },
    ]);
    const again = await json(
      await api.call('PUT', '/api/v1/namespaces/_/actions/hello?overwrite=true', {
        body: {
          exec: { kind: 'nodejs:18', code: 'function main() { return {}; }' },
          parameters: [],
          delAnnotations: ['x'],
        },
      }),
    );
    expect(again).toMatchObject({ version: '0.0.3', exec: { kind: 'nodejs:18' }, parameters: [] });
    expect(again.annotations).toContainEqual({ key: 'exec', value: 'nodejs:18' });
    expect(again.annotations).not.toContainEqual({ key: 'x', value: 1 });
  });

  it('creates with overwrite=true when nothing exists, and honours an explicit version', async () => {
    const res = await api.call('PUT', '/api/v1/namespaces/_/actions/v?overwrite=true', {
      body: { ...wskCreate, version: '1.2.3' },
    });
    expect(await json(res)).toMatchObject({ version: '1.2.3' });
  });

  it('rejects unsupported kinds, a missing exec and a missing code with 400', async () => {
    const kind = await api.call('PUT', '/api/v1/namespaces/_/actions/p', {
      body: { exec: { kind: 'python:3', code: 'x' } },
    });
    expect(kind.status).toBe(400);
    // OpenWhisk's words, and its list in the order Scala 2.12's HashSet iterates (see runtimes.test.ts).
    expect((await json(kind)).error).toBe(
      "The request content was malformed:\nThe specified runtime 'python:3' is not supported by this platform. " +
        "Valid values are: 'php:8.1', 'python:3.11', 'ruby:2.5', 'nodejs:18', 'dotnet:3.1', 'blackbox', " +
        "'python:3.10', 'rust:1.34', 'swift:5.7', 'java:8', 'sequence', 'dotnet:6.0', 'go:1.20', 'swift:5.3', 'nodejs:20'.",
    );
    expect((await api.call('PUT', '/api/v1/namespaces/_/actions/p', { body: {} })).status).toBe(400);
    expect(
      (await api.call('PUT', '/api/v1/namespaces/_/actions/p', { body: { exec: { kind: 'nodejs:20' } } }))
        .status,
    ).toBe(400);
    expect((await api.call('PUT', '/api/v1/namespaces/_/actions/p', { body: [1] })).status).toBe(400);
  });

  it('range-checks limits', async () => {
    const cases: [Record<string, number>, RegExp][] = [
      [{ timeout: 50 }, /Time limit 50 milliseconds below allowed threshold of 100/],
      [{ timeout: 300001 }, /exceeds allowed threshold of 300000/],
      [{ memory: 64 }, /Memory 64 MB below/],
      [{ memory: 1024 }, /Memory 1024 MB exceeds/],
      [{ logs: 11 }, /Log size 11 MB exceeds/],
      [{ concurrency: 2 }, /Concurrency 2 exceeds/],
    ];
    for (const [limits, message] of cases) {
      const res = await api.call('PUT', '/api/v1/namespaces/_/actions/l', {
        body: { exec: { kind: 'nodejs:20', code }, limits },
      });
      expect(res.status, JSON.stringify(limits)).toBe(400);
      expect((await json(res)).error).toMatch(message);
    }
    const ok = await api.call('PUT', '/api/v1/namespaces/_/actions/l', {
      body: { exec: { kind: 'nodejs:20', code }, limits: { timeout: 100, memory: 512 } },
    });
    expect(await json(ok)).toMatchObject({ limits: { timeout: 100, memory: 512, logs: 10, concurrency: 1 } });
  });

  it('answers malformed JSON with 400 in the error shape', async () => {
    const res = await api.call('PUT', '/api/v1/namespaces/_/actions/bad', { raw: '{"exec": ' });
    expect(res.status).toBe(400);
    expect(await json(res)).toHaveProperty('code');
  });

  it('refuses bodies over 48 MB with 413 and accepts large code below it', async () => {
    const big = 'x'.repeat(48 * 1024 * 1024 + 1);
    const res = await api.call('PUT', '/api/v1/namespaces/_/actions/big', { raw: big });
    expect(res.status).toBe(413);
    expect(await json(res)).toHaveProperty('error');
    const largeCode = `// ${'y'.repeat(2 * 1024 * 1024)}\nfunction main() { return {}; }`;
    const ok = await api.call('PUT', '/api/v1/namespaces/_/actions/large', {
      body: { exec: { kind: 'nodejs:20', code: largeCode } },
    });
    expect(ok.status).toBe(200);
  });

  it('rejects illegal entity names with 400', async () => {
    const res = await api.call('PUT', '/api/v1/namespaces/_/actions/%20lead', { body: wskCreate });
    expect(res.status).toBe(400);
  });

  it('infers binary for base64 code, as OpenWhisk does', async () => {
    const zip = Buffer.from('PK\u0003\u0004 some zip bytes here').toString('base64');
    const res = await api.call('PUT', '/api/v1/namespaces/_/actions/zip', {
      body: { exec: { kind: 'nodejs:20', code: zip } },
    });
    expect(await json(res)).toMatchObject({ exec: { binary: true } });
  });
});

describe('GET, list and DELETE actions', () => {
  beforeEach(async () => {
    await api.call('PUT', '/api/v1/namespaces/_/actions/hello', { body: wskCreate });
  });

  it('returns the code by default and omits it with code=false', async () => {
    const full = await json(await api.call('GET', '/api/v1/namespaces/_/actions/hello?'));
    expect(full).toMatchObject({ name: 'hello', exec: { kind: 'nodejs:20', code } });
    expect(typeof full.updated).toBe('number');
    const lean = await json(await api.call('GET', '/api/v1/namespaces/_/actions/hello?code=false'));
    expect(lean.exec).toEqual({ kind: 'nodejs:20', binary: false });
  });

  it('answers 404 for a missing action', async () => {
    const res = await api.call('GET', '/api/v1/namespaces/_/actions/nope?code=false');
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ error: 'The requested resource does not exist.' });
  });

  it('lists ActionMeta newest first with limit, skip and count', async () => {
    for (const name of ['a', 'b', 'c']) {
      await new Promise((r) => setTimeout(r, 2));
      await api.call('PUT', `/api/v1/namespaces/_/actions/${name}`, { body: wskCreate });
    }
    const list = (await (
      await api.call('GET', '/api/v1/namespaces/_/actions?limit=30&skip=0')
    ).json()) as Record<string, unknown>[];
    expect(list.map((a) => a.name)).toEqual(['c', 'b', 'a', 'hello']);
    expect(list[0]).toEqual({
      namespace: 'guest',
      name: 'c',
      version: '0.0.1',
      publish: false,
      annotations: expect.any(Array),
      limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 },
      exec: { binary: false },
      updated: expect.any(Number),
    });
    const page = (await (await api.call('GET', '/api/v1/namespaces/_/actions?limit=2&skip=1')).json()) as {
      name: string;
    }[];
    expect(page.map((a) => a.name)).toEqual(['b', 'a']);
    expect(await (await api.call('GET', '/api/v1/namespaces/_/actions?count=true')).json()).toEqual({
      actions: 4,
    });
  });

  it('range-checks limit and skip', async () => {
    const res = await api.call('GET', '/api/v1/namespaces/_/actions?limit=300');
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({
      error: "The value '300' is not in the range of 0 to 200 for actions.",
    });
    expect((await api.call('GET', '/api/v1/namespaces/_/actions?skip=-1')).status).toBe(400);
    expect((await api.call('GET', '/api/v1/namespaces/_/actions?limit=abc')).status).toBe(400);
  });

  it('deletes and returns the deleted action; a second delete is 404', async () => {
    const res = await api.call('DELETE', '/api/v1/namespaces/_/actions/hello');
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ name: 'hello', namespace: 'guest', exec: { code } });
    expect((await api.call('GET', '/api/v1/namespaces/_/actions/hello')).status).toBe(404);
    expect((await api.call('DELETE', '/api/v1/namespaces/_/actions/hello')).status).toBe(404);
  });

  it('answers 404 for packaged action paths, whatever the method', async () => {
    for (const method of ['GET', 'PUT', 'POST', 'DELETE']) {
      const res = await api.call(
        method,
        '/api/v1/namespaces/_/actions/pkg/hello',
        method === 'PUT' || method === 'POST' ? { body: {} } : {},
      );
      expect(res.status, method).toBe(404);
      expect(await json(res)).toMatchObject({ error: 'The requested resource does not exist.' });
    }
  });
});
