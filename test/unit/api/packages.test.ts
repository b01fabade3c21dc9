/**
 * The package routes and actions in packages over in-memory ports: OpenWhisk's statuses and
 * messages, cross-namespace access, and what reaches the controller core on an invoke through a
 * package or a binding (merged parameters, the real package's path, the payload untouched so the
 * controller resolves the color as before).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { otherAuth, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
const ns = '/api/v1/namespaces';
const code = { kind: 'nodejs:20', code: 'function main(p) { return p; }' };

async function json(res: globalThis.Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

async function expectError(res: globalThis.Response, status: number, message: string): Promise<void> {
  const body = await json(res);
  expect({ status: res.status, error: body.error }).toEqual({ status, error: message });
  expect(typeof body.code).toBe('string');
}

/** `other` owns a published package and a private one, each with an action. */
async function seedOther(api: TestApi): Promise<void> {
  const asOther = { auth: otherAuth };
  await api.call('PUT', `${ns}/other/packages/shared`, {
    ...asOther,
    body: {
      publish: true,
      parameters: [
        { key: 'p', value: 'pkg' },
        { key: 'q', value: 'pkg' },
      ],
    },
  });
  await api.call('PUT', `${ns}/other/packages/private`, asOther);
  await api.call('PUT', `${ns}/other/actions/shared/act`, {
    ...asOther,
    body: {
      exec: code,
      parameters: [{ key: 'r', value: 'action' }],
      annotations: [{ key: '__palette_color', value: 'anno' }],
    },
  });
  await api.call('PUT', `${ns}/other/actions/private/act`, { ...asOther, body: { exec: code } });
}

beforeEach(async () => {
  api = await startTestApi();
  await seedOther(api);
});
afterEach(async () => {
  await api.close();
});

describe('package CRUD', () => {
  it('create, get, list, update, delete as OpenWhisk answers them', async () => {
    const created = await api.call('PUT', `${ns}/_/packages/p`, {
      body: { parameters: [{ key: 'a', value: 1 }] },
    });
    expect(created.status).toBe(200);
    expect(await json(created)).toMatchObject({
      namespace: 'guest',
      name: 'p',
      binding: {},
      version: '0.0.1',
    });
    await expectError(
      await api.call('PUT', `${ns}/_/packages/p`, { body: {} }),
      409,
      'resource already exists',
    );
    const updated = await json(
      await api.call('PUT', `${ns}/_/packages/p?overwrite=true`, { body: { publish: true } }),
    );
    expect(updated).toMatchObject({ version: '0.0.2', publish: true, parameters: [{ key: 'a', value: 1 }] });
    const got = await json(await api.call('GET', `${ns}/guest/packages/p`));
    expect(got).toMatchObject({ name: 'p', actions: [], feeds: [] });
    const list = (await (await api.call('GET', `${ns}/_/packages`)).json()) as {
      name: string;
      binding: unknown;
    }[];
    expect(list.map((p) => [p.name, p.binding])).toEqual([['p', false]]);
    expect(await json(await api.call('GET', `${ns}/_/packages?count=true`))).toEqual({ packages: 1 });
    expect((await api.call('DELETE', `${ns}/_/packages/p`)).status).toBe(200);
    await expectError(
      await api.call('GET', `${ns}/_/packages/p`),
      404,
      'The requested resource does not exist.',
    );
  });

  it('a package with actions is a 409 until they are gone, or with force', async () => {
    await api.call('PUT', `${ns}/_/packages/p`);
    await api.call('PUT', `${ns}/_/actions/p/a`, { body: { exec: code } });
    await expectError(
      await api.call('DELETE', `${ns}/_/packages/p`),
      409,
      'Package not empty (contains 1 entity). Set force param or delete package contents.',
    );
    expect((await api.call('DELETE', `${ns}/_/packages/p?force=true`)).status).toBe(200);
    expect(api.actions.docs.has('guest/p/a')).toBe(false);
  });

  it("'default' is reserved; malformed bodies are 400 and write nothing", async () => {
    await expectError(
      await api.call('PUT', `${ns}/_/packages/default`),
      400,
      "Package name 'default' is reserved.",
    );
    for (const body of [[], { parameters: 'x' }, { binding: { name: 'x' } }, { publish: 1 }]) {
      expect((await api.call('PUT', `${ns}/_/packages/bad`, { body })).status).toBe(400);
    }
    expect((await api.call('PUT', `${ns}/_/packages/bad`, { raw: '{"parameters": [' })).status).toBe(400);
    expect([...api.packages.docs.keys()].filter((k) => k.startsWith('guest/'))).toEqual([]);
  });

  it('another namespace: only its published packages are listed and readable; nothing is writable', async () => {
    const list = (await (await api.call('GET', `${ns}/other/packages`)).json()) as { name: string }[];
    expect(list.map((p) => p.name)).toEqual(['shared']);
    const shared = await json(await api.call('GET', `${ns}/other/packages/shared`));
    expect(shared.actions).toEqual([expect.objectContaining({ name: 'act' })]);
    const denied = "The supplied authentication is not authorized to access 'other/private'.";
    await expectError(await api.call('GET', `${ns}/other/packages/private`), 403, denied);
    // A missing package answers the same 403 to a non-owner: no information leaks.
    await expectError(
      await api.call('GET', `${ns}/other/packages/missing`),
      403,
      "The supplied authentication is not authorized to access 'other/missing'.",
    );
    await expectError(
      await api.call('DELETE', `${ns}/other/packages/shared`),
      403,
      "The supplied authentication is not authorized to access 'other/shared'.",
    );
    await expectError(
      await api.call('PUT', `${ns}/other/actions/shared/x`, { body: { exec: code } }),
      403,
      "The supplied authentication is not authorized to access 'other/shared/x'.",
    );
  });
});

describe('bindings', () => {
  it('refuses a missing, unpublished or binding target, and a package turning into a binding', async () => {
    const bind = (name: string, namespace: string, target: string) =>
      api.call('PUT', `${ns}/_/packages/${name}`, { body: { binding: { namespace, name: target } } });
    await expectError(
      await bind('b', '_', 'missing'),
      400,
      'Binding references a package that does not exist.',
    );
    await expectError(
      await bind('b', 'other', 'private'),
      403,
      "The supplied authentication is not authorized to access 'other/private'.",
    );
    expect((await bind('b', 'other', 'shared')).status).toBe(200);
    await expectError(await bind('bb', '_', 'b'), 400, 'Cannot bind to another package binding.');
    await api.call('PUT', `${ns}/_/actions/notpkg`, { body: { exec: code } });
    await expectError(
      await bind('bc', '_', 'notpkg'),
      409,
      'Cannot bind to a resource that is not a package.',
    );
    await api.call('PUT', `${ns}/_/packages/plain`);
    await expectError(
      await api.call('PUT', `${ns}/_/packages/plain?overwrite=true`, {
        body: { binding: { namespace: 'other', name: 'shared' } },
      }),
      409,
      'Resource is a package and cannot be converted into a binding.',
    );
    expect([...api.packages.docs.keys()].filter((k) => k.startsWith('guest/')).sort()).toEqual([
      'guest/b',
      'guest/plain',
    ]);
  });

  it('get shows the bound package parameters under its own and the bound actions; actions cannot be written there', async () => {
    await api.call('PUT', `${ns}/_/packages/b`, {
      body: { binding: { namespace: 'other', name: 'shared' }, parameters: [{ key: 'q', value: 'binding' }] },
    });
    const got = await json(await api.call('GET', `${ns}/_/packages/b`));
    expect(got.parameters).toEqual([
      { key: 'p', value: 'pkg' },
      { key: 'q', value: 'binding' },
    ]);
    expect(got.binding).toEqual({ namespace: 'other', name: 'shared' });
    expect(got.actions).toEqual([expect.objectContaining({ name: 'act' })]);
    const listed = (await (await api.call('GET', `${ns}/_/actions/b/`)).json()) as { namespace: string }[];
    expect(listed.map((a) => a.namespace)).toEqual(['other/shared']);
    await expectError(
      await api.call('PUT', `${ns}/_/actions/b/x`, { body: { exec: code } }),
      400,
      'Operation not permitted on package binding.',
    );
    // Someone else's binding is never readable.
    await expectError(
      await api.call('GET', `${ns}/guest/packages/b`, { auth: otherAuth }),
      403,
      "The supplied authentication is not authorized to access 'guest/b'.",
    );
  });
});

describe('actions in packages', () => {
  it('create, get with code, list by package, delete', async () => {
    await api.call('PUT', `${ns}/_/packages/p`);
    const created = await json(await api.call('PUT', `${ns}/_/actions/p/a`, { body: { exec: code } }));
    expect(created).toMatchObject({ namespace: 'guest/p', name: 'a' });
    expect(api.actions.docs.get('guest/p/a')?._id).toBe('guest/p/a');
    const got = await json(await api.call('GET', `${ns}/_/actions/p/a?code=false`));
    expect(got.exec).toEqual({ kind: 'nodejs:20', binary: false });
    const listed = (await (await api.call('GET', `${ns}/_/actions/p/`)).json()) as { name: string }[];
    expect(listed.map((a) => a.name)).toEqual(['a']);
    // The default-package list shows packaged actions too (OpenWhisk's view emits them under the root).
    expect((await api.call('DELETE', `${ns}/_/actions/p/a`)).status).toBe(200);
    await expectError(
      await api.call('GET', `${ns}/_/actions/p/a`),
      404,
      'The requested resource does not exist.',
    );
    await expectError(
      await api.call('PUT', `${ns}/_/actions/nopkg/a`, { body: { exec: code } }),
      404,
      'The requested resource does not exist.',
    );
  });

  it('invoke through a binding: the core gets the real action path and package < binding < action parameters', async () => {
    await api.call('PUT', `${ns}/_/packages/b`, {
      body: {
        binding: { namespace: 'other', name: 'shared' },
        parameters: [
          { key: 'q', value: 'binding' },
          { key: 'r', value: 'binding' },
        ],
      },
    });
    const res = await api.call('POST', `${ns}/_/actions/b/act?blocking=false`, {
      body: { r: 'invocation', __palette_color: 'c1' },
    });
    expect(res.status).toBe(202);
    const request = api.core.requests.at(-1)!;
    expect(request.action.namespace).toBe('other/shared');
    expect(request.action._id).toBe('other/shared/act');
    expect(request.action.parameters).toEqual([
      { key: 'p', value: 'pkg' },
      { key: 'q', value: 'binding' },
      { key: 'r', value: 'action' },
    ]);
    // The payload reaches the core as sent: it merges it over the parameters and takes the color.
    expect(request.payload).toEqual({ r: 'invocation', __palette_color: 'c1' });
    expect(request.action.annotations).toContainEqual({ key: '__palette_color', value: 'anno' });
    expect(request.user.namespace.name).toBe('guest');
    // WhiskActionMetaData.binding: the path named, for the record's `binding` annotation.
    expect(request.action.binding).toBe('guest/b');
    // Invoked through the package itself, there is no binding; a GET through the binding shows none.
    await api.call('POST', `${ns}/other/actions/shared/act`);
    expect(api.core.requests.at(-1)!.action).not.toHaveProperty('binding');
    expect(await json(await api.call('GET', `${ns}/_/actions/b/act`))).not.toHaveProperty('binding');
  });

  it("invoke of another namespace's published package works; of its private package it is a 403", async () => {
    expect((await api.call('POST', `${ns}/other/actions/shared/act`)).status).toBe(202);
    expect(api.core.requests.at(-1)!.action.namespace).toBe('other/shared');
    await expectError(
      await api.call('POST', `${ns}/other/actions/private/act`),
      403,
      "The supplied authentication is not authorized to access 'other/private'.",
    );
    await expectError(
      await api.call('POST', `${ns}/other/actions/shared/nope`),
      404,
      'The requested resource does not exist.',
    );
  });

  it('a package update is seen by the next invoke at once (the lookup cache is invalidated)', async () => {
    await api.call('PUT', `${ns}/_/packages/p`, { body: { parameters: [{ key: 'v', value: 1 }] } });
    await api.call('PUT', `${ns}/_/actions/p/a`, { body: { exec: code } });
    await api.call('POST', `${ns}/_/actions/p/a`);
    await api.call('PUT', `${ns}/_/packages/p?overwrite=true`, {
      body: { parameters: [{ key: 'v', value: 2 }] },
    });
    await api.call('POST', `${ns}/_/actions/p/a`);
    expect(api.core.requests.map((r) => r.action.parameters)).toEqual([
      [{ key: 'v', value: 1 }],
      [{ key: 'v', value: 2 }],
    ]);
  });

  it('an action name taken by a package is a 409 conformance error, as OpenWhisk answers', async () => {
    await api.call('PUT', `${ns}/_/packages/p`);
    await expectError(
      await api.call('GET', `${ns}/_/actions/p`),
      409,
      'Resource by this name exists but is not in this collection.',
    );
  });
});

describe.each([
  { path: 'fast path', expressOnly: false },
  { path: 'express route', expressOnly: true },
])('invoke in a package through the $path', ({ expressOnly }) => {
  beforeEach(async () => {
    await api.close();
    api = await startTestApi({}, expressOnly);
    await seedOther(api);
  });

  it('answers and hands the core the same action on both paths', async () => {
    await api.call('PUT', `${ns}/_/packages/b`, {
      body: { binding: { namespace: 'other', name: 'shared' } },
    });
    const res = await api.call('POST', `${ns}/_/actions/b/act?blocking=false`, {
      body: { __palette_color: 'c1' },
    });
    expect(res.status).toBe(202);
    const request = api.core.requests.at(-1)!;
    expect(request.action._id).toBe('other/shared/act');
    expect(request.action.binding).toBe('guest/b');
    expect(request.user.namespace.name).toBe('guest');
    expect(request.payload).toEqual({ __palette_color: 'c1' });
    // `_` and the caller's own name are the same namespace.
    expect((await api.call('POST', `${ns}/guest/actions/b/act?blocking=false`)).status).toBe(202);
    const metrics = await (await api.call('GET', '/metrics')).text();
    expect(metrics).toMatch(/route="\/api\/v1\/namespaces\/:ns\/actions\/:pkg\/:name",status="202"} 2/);
  });

  it('refuses as OpenWhisk does, in its error shape', async () => {
    await expectError(
      await api.call('POST', `${ns}/other/actions/private/act`),
      403,
      "The supplied authentication is not authorized to access 'other/private'.",
    );
    await expectError(
      await api.call('POST', `${ns}/_/actions/nopkg/act`),
      404,
      'The requested resource does not exist.',
    );
    await expectError(
      await api.call('POST', `${ns}/_/actions/bad!pkg/act`),
      400,
      'The name of the entity contains illegal characters.',
    );
    await expectError(
      await api.call('POST', `${ns}/bad!ns/actions/shared/act`),
      400,
      'The name of the entity contains illegal characters.',
    );
    await expectError(
      await api.call('POST', `${ns}/other/actions/shared/act`, { body: 'text' }),
      400,
      'The request content was malformed: the payload must be a JSON object or array.',
    );
    expect(api.core.requests).toHaveLength(0);
  });
});
