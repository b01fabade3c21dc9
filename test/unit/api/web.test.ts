/**
 * Web actions over in-memory ports (DECISIONS R7, R18; OpenWhisk's WebActions.scala): routing and
 * the owner's identity, extensions and content types, `final` and reserved parameters,
 * `require-whisk-auth`, errors in OpenWhisk's shape, and where the color comes from and that the
 * action never sees it. The fake core answers with the arguments it was given, as an echo action.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InvocationRequest } from '../../../src/controller/types.js';
import type { WhiskActivation } from '../../../src/protocol/index.js';
import { otherAuth, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
const id = 'aaaabbbbccccddddeeeeffff00001111';
const web = '/api/v1/web';

function activation(statusCode: 0 | 1 | 2 | 3, result: unknown): WhiskActivation {
  return {
    namespace: 'guest',
    name: 'hello',
    subject: 'guest',
    activationId: id,
    start: 1700000000000,
    end: 1700000000050,
    response: { statusCode, result, size: 17 },
    logs: [],
    version: '0.0.1',
    publish: false,
    annotations: [],
  };
}

/** The next invocations answer `result` (a function of the request: an echo by default). */
function answer(result: (r: InvocationRequest) => unknown, statusCode: 0 | 1 | 2 | 3 = 0): void {
  api.core.respond = async (r) => ({
    kind: 'completed',
    activationId: id,
    activation: activation(statusCode, result(r)),
  });
}

async function putAction(
  name: string,
  annotations: { key: string; value: unknown }[],
  parameters: { key: string; value: unknown }[] = [],
  auth?: string,
): Promise<void> {
  const res = await api.call('PUT', `/api/v1/namespaces/_/actions/${name}`, {
    body: { exec: { kind: 'nodejs:20', code: 'function main(p) { return p; }' }, annotations, parameters },
    ...(auth ? { auth } : {}),
  });
  expect(res.status).toBe(200);
}

/** As `wsk action create --web true` annotates. */
const webTrue = [
  { key: 'web-export', value: true },
  { key: 'raw-http', value: false },
  { key: 'final', value: true },
];

async function expectError(res: globalThis.Response, status: number, message: string): Promise<void> {
  const body = (await res.json()) as Record<string, unknown>;
  expect({ status: res.status, error: body.error }).toEqual({ status, error: message });
  expect(typeof body.code).toBe('string');
}

const lastPayload = () => api.core.requests[api.core.requests.length - 1]!.payload as Record<string, unknown>;

beforeEach(async () => {
  api = await startTestApi();
  answer((r) => r.payload);
  await putAction('hello', webTrue, [{ key: 'name', value: 'World' }]);
});
afterEach(async () => {
  await api.close();
});

describe('routing and identity', () => {
  it('needs no key, runs as the owner, blocking, with the __ow_ context', async () => {
    const res = await api.call('GET', `${web}/guest/default/hello.json/a/b?x=1`, { auth: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-openwhisk-activation-id')).toBe(id);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const request = api.core.requests[0]!;
    expect(request.user.namespace.name).toBe('guest');
    expect(request.blocking).toBe(true);
    expect(request.color).toBeUndefined();
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ __ow_method: 'get', __ow_path: '/a/b', x: '1' });
    expect(body).not.toHaveProperty('__ow_user');
    expect((body.__ow_headers as Record<string, string>).host).toMatch(/127\.0\.0\.1/);
  });

  it('another namespace: runs as that namespace owner, not as the caller', async () => {
    await putAction('theirs', webTrue, [], otherAuth);
    const res = await api.call('POST', `${web}/other/default/theirs.json`, { body: { a: 1 } });
    expect(res.status).toBe(200);
    expect(api.core.requests[0]!.user.namespace.name).toBe('other');
    expect(await res.json()).toMatchObject({ a: 1, __ow_method: 'post', __ow_user: 'guest' });
  });

  it('an action in a package', async () => {
    await api.call('PUT', '/api/v1/namespaces/_/packages/pk', { body: {} });
    const res = await api.call('PUT', '/api/v1/namespaces/_/actions/pk/act', {
      body: { exec: { kind: 'nodejs:20', code: 'x' }, annotations: webTrue },
    });
    expect(res.status).toBe(200);
    const got = await api.call('GET', `${web}/guest/pk/act.json`, { auth: null });
    expect(got.status).toBe(200);
    expect(api.core.requests[0]!.action.namespace).toBe('guest/pk');
  });

  it('404 for a missing namespace, package, action, or an action that is not web-exported', async () => {
    await putAction('plain', []);
    await putAction('off', [{ key: 'web-export', value: false }]);
    for (const path of ['nobody/default/hello.json', 'guest/nopkg/hello.json', 'guest/default/nope.json']) {
      await expectError(
        await api.call('GET', `${web}/${path}`),
        404,
        'The requested resource does not exist.',
      );
    }
    for (const name of ['plain', 'off']) {
      await expectError(
        await api.call('GET', `${web}/guest/default/${name}.json`),
        404,
        'The requested resource does not exist.',
      );
    }
    expect(api.core.requests).toHaveLength(0);
  });

  it('400 for an unsupported extension', async () => {
    await expectError(
      await api.call('GET', `${web}/guest/default/hello.xml`),
      400,
      'Extension must be specified and one of [.http, .json, .html, .svg, .text].',
    );
  });

  it('413 for a body over 1 MB; nothing invoked', async () => {
    const res = await api.call('POST', `${web}/guest/default/hello.json`, {
      raw: Buffer.alloc(1024 * 1024 + 1, 'a'),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(413);
    expect(api.core.requests).toHaveLength(0);
  });

  it('400 for a JSON body nested deeper than 512 levels (it was a stack overflow, a 500); nothing invoked', async () => {
    for (const method of ['POST', 'DELETE'] as const) {
      const res = await api.call(method, `${web}/guest/default/hello.json/x.http`, {
        raw: Buffer.from(`${'['.repeat(4114)}${']'.repeat(4114)}`),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: expect.stringContaining('nesting deeper than 512') });
    }
    expect(api.core.requests).toHaveLength(0);
    // At the bound it is still an action's input.
    const res = await api.call('POST', `${web}/guest/default/hello.json`, {
      raw: Buffer.from(`{"a":${'['.repeat(500)}${']'.repeat(500)}}`),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
  });
});

describe('extensions and content types', () => {
  it('.json needs an object or array', async () => {
    answer(() => 'just text');
    await expectError(
      await api.call('GET', `${web}/guest/default/hello.json`),
      400,
      "Response is not valid 'application/json'.",
    );
  });

  it('.http passes the status code, headers and body the action returns', async () => {
    answer(() => ({
      statusCode: 418,
      headers: { 'X-Tea': 'yes', 'Content-Type': 'text/plain' },
      body: 'short',
    }));
    const res = await api.call('GET', `${web}/guest/default/hello.http`);
    expect(res.status).toBe(418);
    expect(res.headers.get('x-tea')).toBe('yes');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('short');
  });

  it('no extension is .http; an object body is JSON; no body is 204', async () => {
    answer(() => ({ body: { a: 1 } }));
    const res = await api.call('GET', `${web}/guest/default/hello`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ a: 1 });
    answer(() => ({ headers: { 'content-type': 'text/html' } }));
    expect((await api.call('GET', `${web}/guest/default/hello.http`)).status).toBe(204);
  });

  it('.http: a binary type decodes a base64 body; a bad status code is 400', async () => {
    answer(() => ({
      headers: { 'content-type': 'image/png' },
      body: Buffer.from([1, 2, 3]).toString('base64'),
    }));
    const res = await api.call('GET', `${web}/guest/default/hello.http`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([1, 2, 3]));
    answer(() => ({ statusCode: 'teapot', body: 'x' }));
    await expectError(
      await api.call('GET', `${web}/guest/default/hello.http`),
      400,
      "Response is not valid 'message/http'.",
    );
  });

  it('.html, .svg and .text', async () => {
    answer(() => ({ html: '<p>hi</p>' }));
    let res = await api.call('GET', `${web}/guest/default/hello.html`);
    expect([res.headers.get('content-type'), await res.text()]).toEqual([
      'text/html; charset=UTF-8',
      '<p>hi</p>',
    ]);
    answer(() => ({ svg: '<svg/>' }));
    res = await api.call('GET', `${web}/guest/default/hello.svg`);
    expect([res.headers.get('content-type'), await res.text()]).toEqual(['image/svg+xml', '<svg/>']);
    answer(() => ({ text: 42 }));
    res = await api.call('GET', `${web}/guest/default/hello.text`);
    expect(await res.text()).toBe('42');
    answer(() => ({ other: 1 }));
    await expectError(
      await api.call('GET', `${web}/guest/default/hello.text`),
      404,
      'Response does not include requested property.',
    );
  });

  it("an application error shows its `error` field; other failures are OpenWhisk's 400", async () => {
    answer(() => ({ error: { statusCode: 404, body: 'gone' } }), 1);
    const res = await api.call('GET', `${web}/guest/default/hello.http`);
    expect([res.status, await res.text()]).toEqual([404, 'gone']);
    answer(() => ({ error: 'boom' }), 2);
    await expectError(
      await api.call('GET', `${web}/guest/default/hello.json`),
      400,
      'There was an error processing your request.',
    );
  });

  it('202 when the blocking wait runs out', async () => {
    api.core.respond = async () => ({ kind: 'accepted', activationId: id });
    const res = await api.call('GET', `${web}/guest/default/hello.json`);
    expect(res.headers.get('x-openwhisk-activation-id')).toBe(id);
    await expectError(res, 202, 'Response not yet ready.');
  });

  it('a form body becomes fields; a text body is __ow_body', async () => {
    await api.call('POST', `${web}/guest/default/hello.json`, {
      raw: 'a=1&b=two',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(lastPayload()).toMatchObject({ a: '1', b: 'two' });
    await api.call('POST', `${web}/guest/default/hello.json`, {
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(lastPayload().__ow_body).toBe('hello');
  });

  it('raw-http: the query as __ow_query and the body untouched (JSON as base64)', async () => {
    await putAction('raw', [
      { key: 'web-export', value: true },
      { key: 'raw-http', value: true },
    ]);
    const body = JSON.stringify({ __palette_color: 'inbody', a: 1 });
    await api.call('POST', `${web}/guest/default/raw.json?a=1&__palette_color=red&b=2`, { raw: body });
    const payload = lastPayload();
    expect(payload.__ow_query).toBe('a=1&b=2');
    expect(Buffer.from(payload.__ow_body as string, 'base64').toString()).toBe(body);
    expect(payload).not.toHaveProperty('a');
    expect(api.core.requests[0]!.color).toBe('red');
  });

  it('OPTIONS answers CORS without invoking, unless the action handles options itself', async () => {
    const res = await api.call('OPTIONS', `${web}/guest/default/hello.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(api.core.requests).toHaveLength(0);
    await putAction('custom', [
      { key: 'web-export', value: true },
      { key: 'web-custom-options', value: true },
    ]);
    await api.call('OPTIONS', `${web}/guest/default/custom.json`);
    expect(api.core.requests).toHaveLength(1);
  });
});

describe('final and reserved parameters', () => {
  it('a final parameter or a reserved __ow_ name cannot be given', async () => {
    for (const path of ['hello.json?name=Bob', 'hello.json?__ow_method=put']) {
      await expectError(
        await api.call('GET', `${web}/guest/default/${path}`),
        400,
        'Request defines parameters that are not allowed (e.g., reserved properties).',
      );
    }
    const res = await api.call('POST', `${web}/guest/default/hello.json`, { body: { name: 'Bob' } });
    expect(res.status).toBe(400);
    expect(api.core.requests).toHaveLength(0);
  });

  it('without final, query and body override (body last)', async () => {
    await putAction('open', [{ key: 'web-export', value: true }], [{ key: 'name', value: 'World' }]);
    await api.call('POST', `${web}/guest/default/open.json?name=Q&x=q`, { body: { name: 'B' } });
    expect(lastPayload()).toMatchObject({ name: 'B', x: 'q' });
  });
});

describe('require-whisk-auth', () => {
  it('true: a valid key is needed', async () => {
    await putAction('secure', [...webTrue, { key: 'require-whisk-auth', value: true }]);
    await expectError(
      await api.call('GET', `${web}/guest/default/secure.json`, { auth: null }),
      401,
      'The resource requires authentication, which was not supplied with the request.',
    );
    expect((await api.call('GET', `${web}/guest/default/secure.json`, { auth: 'bad:key' })).status).toBe(401);
    const res = await api.call('GET', `${web}/guest/default/secure.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ __ow_user: 'guest' });
  });

  it('a string or number: an equal X-Require-Whisk-Auth header is needed', async () => {
    for (const value of ['s3cret', 1234]) {
      await putAction('secret', [...webTrue, { key: 'require-whisk-auth', value }]);
      const path = `${web}/guest/default/secret.json`;
      expect((await api.call('GET', path, { auth: null })).status).toBe(401);
      const wrong = { auth: null, headers: { 'x-require-whisk-auth': 'nope' } };
      expect((await api.call('GET', path, wrong)).status).toBe(401);
      const right = { auth: null, headers: { 'x-require-whisk-auth': String(value) } };
      expect((await api.call('GET', path, right)).status).toBe(200);
      await api.call('DELETE', '/api/v1/namespaces/_/actions/secret');
    }
  });
});

describe('color (R7)', () => {
  it('header > query > JSON body; the color is removed everywhere the action looks', async () => {
    const path = `${web}/guest/default/hello.json?__palette_color=q&x=1`;
    const headers = { 'x-palette-color': 'h' };
    await api.call('POST', path, { body: { __palette_color: 'b', y: 2 }, headers });
    await api.call('POST', path, { body: { __palette_color: 'b', y: 2 } });
    await api.call('POST', `${web}/guest/default/hello.json?x=1`, { body: { __palette_color: 'b', y: 2 } });
    expect(api.core.requests.map((r) => r.color)).toEqual(['h', 'q', 'b']);
    for (const r of api.core.requests) {
      const payload = r.payload as Record<string, unknown>;
      expect(JSON.stringify(payload)).not.toContain('__palette_color');
      expect(payload.__ow_headers).not.toHaveProperty('x-palette-color');
      expect(payload).toMatchObject({ x: '1', y: 2 });
    }
  });

  it('none given: left to the action annotation (resolved by the controller)', async () => {
    await putAction('tinted', [...webTrue, { key: '__palette_color', value: 'ann' }]);
    await api.call('GET', `${web}/guest/default/tinted.json`);
    expect(api.core.requests[0]!.color).toBeUndefined();
    expect(api.core.requests[0]!.action.annotations).toContainEqual({ key: '__palette_color', value: 'ann' });
  });

  it('an invalid color is a 400 in OpenWhisk shape', async () => {
    const res = await api.call('POST', `${web}/guest/default/hello.json`, { body: { __palette_color: 5 } });
    expect(res.status).toBe(400);
    expect(api.core.requests).toHaveLength(0);
  });

  it('property: any mix of sources resolves by precedence and never reaches the action', async () => {
    const color = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => /^[\w-]+$/.test(s));
    await fc.assert(
      fc.asyncProperty(fc.option(color), fc.option(color), fc.option(color), async (h, q, b) => {
        api.core.requests.length = 0;
        const query = q === null ? '' : `?__palette_color=${encodeURIComponent(q)}`;
        const res = await api.call('POST', `${web}/guest/default/hello.json${query}`, {
          body: b === null ? { z: 1 } : { __palette_color: b, z: 1 },
          headers: h === null ? {} : { 'x-palette-color': h },
        });
        expect(res.status).toBe(200);
        expect(api.core.requests[0]!.color).toBe(h ?? q ?? b ?? undefined);
        expect(JSON.stringify(await res.json())).not.toContain('__palette_color');
      }),
      { numRuns: 40 },
    );
  });
});
