/**
 * Namespaces and limits over in-memory ports (OpenWhisk's Namespaces.scala, Limits.scala and
 * EntitlementProvider.checkThrottles; DECISIONS R11): the namespace routes, the limits view, and
 * 429 with OpenWhisk's messages on invoke (both serving paths), web actions (the owner's count),
 * trigger fires and the actions a fire starts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ThrottleConfig } from '../../../src/api/throttles.js';
import { defaultThrottleLimits } from '../../../src/api/throttles.js';
import { otherAuth, startTestApi, type TestApi } from './fakes.js';
import { startTriggerRuleApi, type TriggerRuleTestApi } from './trigger-rule-fakes.js';

let api: TestApi | undefined;
let trigApi: TriggerRuleTestApi | undefined;

afterEach(async () => {
  await api?.close();
  await trigApi?.close();
  api = undefined;
  trigApi = undefined;
});

const code = { kind: 'nodejs:20', code: 'function main(p) { return p; }' };

async function start(
  limits?: Partial<ThrottleConfig['defaults']>,
  expressOnly = false,
  replicas = 1,
): Promise<TestApi> {
  api = await startTestApi({}, expressOnly, {
    defaults: { ...defaultThrottleLimits, ...limits },
    replicas,
  });
  const put = await api.call('PUT', '/api/v1/namespaces/_/actions/hello', { body: { exec: code } });
  expect(put.status).toBe(200);
  return api;
}

/** The `<namespace>/limits` document joined into the namespace's identity. */
function setLimits(test: TestApi, namespace: string, doc: Record<string, unknown>): void {
  for (const identity of test.subjects.identities.values())
    if (identity.namespace.name === namespace) identity.limits = doc;
}

async function openWhiskError(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: unknown; code: unknown };
  expect(typeof body.code).toBe('string');
  expect(typeof body.error).toBe('string');
  return body.error as string;
}

const invoke = (test: TestApi, name = 'hello', auth?: string) =>
  test.call('POST', `/api/v1/namespaces/_/actions/${name}`, { body: {}, ...(auth ? { auth } : {}) });

describe('namespaces', () => {
  it("GET /namespaces lists the caller's namespace; other methods 405; no key 401", async () => {
    const test = await start();
    const res = await test.call('GET', '/api/v1/namespaces');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['guest']);
    expect(await (await test.call('GET', '/api/v1/namespaces/', { auth: otherAuth })).json()).toEqual([
      'other',
    ]);
    await openWhiskError(await test.call('POST', '/api/v1/namespaces'), 405);
    await openWhiskError(await test.call('GET', '/api/v1/namespaces', { auth: null }), 401);
  });

  it('GET /namespaces/{ns} is no route in OpenWhisk: 404 in its shape (401 without a key)', async () => {
    const test = await start();
    for (const ns of ['guest', '_', 'other'])
      expect(await openWhiskError(await test.call('GET', `/api/v1/namespaces/${ns}`), 404)).toBe(
        'The requested resource does not exist.',
      );
    await openWhiskError(await test.call('GET', '/api/v1/namespaces/guest', { auth: null }), 401);
  });

  it("GET /namespaces/{ns}/limits shows the system's limits, and the namespace's own where it has them", async () => {
    const test = await start({ invocationsPerMinute: 100, concurrentInvocations: 10, firesPerMinute: 5 });
    const plain = await test.call('GET', '/api/v1/namespaces/_/limits');
    expect(plain.status).toBe(200);
    const body = (await plain.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      'invocationsPerMinute',
      'concurrentInvocations',
      'firesPerMinute',
      'minActionMemory',
      'maxActionMemory',
      'minActionLogs',
      'maxActionLogs',
      'minActionTimeout',
      'maxActionTimeout',
      'minActionConcurrency',
      'maxActionConcurrency',
      'maxParameterSize',
      'maxActionInstances',
    ]);
    expect(body).toMatchObject({
      invocationsPerMinute: 100,
      concurrentInvocations: 10,
      firesPerMinute: 5,
      minActionMemory: 128,
      maxActionMemory: 512,
      maxActionLogs: 10,
      minActionTimeout: 100,
      maxActionTimeout: 300000,
      maxParameterSize: '1 MB',
      maxActionInstances: 10,
    });
    setLimits(test, 'guest', { invocationsPerMinute: 3, storeActivations: false, maxActionMemory: 256 });
    expect(await (await test.call('GET', '/api/v1/namespaces/guest/limits')).json()).toMatchObject({
      invocationsPerMinute: 3,
      concurrentInvocations: 10,
      storeActivations: false,
      maxActionMemory: 256,
    });
  });

  it("another namespace's limits are 403; entity routes under limits 400; writes 405", async () => {
    const test = await start();
    await openWhiskError(await test.call('GET', '/api/v1/namespaces/other/limits'), 403);
    expect(await openWhiskError(await test.call('GET', '/api/v1/namespaces/_/limits/x'), 400)).toBe(
      'Inner entity level routes for limits are not yet implemented.',
    );
    await openWhiskError(await test.call('PUT', '/api/v1/namespaces/_/limits', { body: {} }), 405);
  });
});

describe.each([
  { path: 'fast path', expressOnly: false },
  { path: 'express route', expressOnly: true },
])('invoke limits through the $path', ({ expressOnly }) => {
  it('invocations per minute: the call above the limit is 429 with the count and nothing runs', async () => {
    const test = await start({ invocationsPerMinute: 2 }, expressOnly);
    expect((await invoke(test)).status).toBe(202);
    expect((await invoke(test)).status).toBe(202);
    expect(await openWhiskError(await invoke(test), 429)).toBe(
      'Too many requests in the last minute (count: 3, allowed: 2).',
    );
    expect(await openWhiskError(await invoke(test), 429)).toMatch(/count: 4, allowed: 2/);
    expect(test.core.requests).toHaveLength(2);
    // Another namespace has its own count.
    await test.call('PUT', '/api/v1/namespaces/_/actions/hello', { body: { exec: code }, auth: otherAuth });
    expect((await invoke(test, 'hello', otherAuth)).status).toBe(202);
  });

  it("a namespace's document wins over the default; 0 blocks before the action is even read", async () => {
    const test = await start({}, expressOnly);
    setLimits(test, 'guest', { invocationsPerMinute: 0 });
    expect(await openWhiskError(await invoke(test, 'nosuch'), 429)).toBe(
      'Too many requests in the last minute (count: 1, allowed: 0).',
    );
    setLimits(test, 'guest', { invocationsPerMinute: 5, concurrentInvocations: 0 });
    expect(await openWhiskError(await invoke(test), 429)).toBe(
      'Too many concurrent requests in flight (count: 0, allowed: 0).',
    );
    expect(test.core.requests).toHaveLength(0);
  });

  it("concurrent invocations: 429 while the namespace's in-flight count leaves no room", async () => {
    const test = await start({ concurrentInvocations: 2 }, expressOnly);
    test.core.running.set('guest', 2);
    expect(await openWhiskError(await invoke(test), 429)).toBe(
      'Too many concurrent requests in flight (count: 2, allowed: 2).',
    );
    test.core.running.set('other', 5);
    test.core.running.set('guest', 1);
    expect((await invoke(test)).status).toBe(202);
  });

  it('each of two replicas enforces ceil(1.2 x limit) / 2', async () => {
    const test = await start({ invocationsPerMinute: 3 }, expressOnly, 2);
    expect((await invoke(test)).status).toBe(202);
    expect((await invoke(test)).status).toBe(202);
    expect(await openWhiskError(await invoke(test), 429)).toBe(
      'Too many requests in the last minute (count: 3, allowed: 2).',
    );
  });
});

describe('web actions', () => {
  it("count against the owner's namespace, whoever calls", async () => {
    const test = await start({ invocationsPerMinute: 2 });
    await test.call('PUT', '/api/v1/namespaces/_/actions/page?overwrite=true', {
      body: { exec: code, annotations: [{ key: 'web-export', value: true }] },
    });
    test.core.respond = async () => ({
      kind: 'completed',
      activationId: 'aaaabbbbccccddddeeeeffff00001111',
      activation: {
        namespace: 'guest',
        name: 'page',
        subject: 'guest',
        activationId: 'aaaabbbbccccddddeeeeffff00001111',
        start: 1,
        end: 2,
        response: { statusCode: 0, result: { ok: true }, size: 11 },
        logs: [],
        version: '0.0.1',
        publish: false,
        annotations: [],
      },
    });
    expect((await test.call('GET', '/api/v1/web/guest/default/page.json', { auth: null })).status).toBe(200);
    expect((await test.call('GET', '/api/v1/web/guest/default/page.json', { auth: otherAuth })).status).toBe(
      200,
    );
    expect(
      await openWhiskError(
        await test.call('GET', '/api/v1/web/guest/default/page.json', { auth: null }),
        429,
      ),
    ).toBe('Too many requests in the last minute (count: 3, allowed: 2).');
    // The owner's own invokes share that count; the caller's namespace is untouched.
    expect(await openWhiskError(await invoke(test), 429)).toMatch(/count: 4/);
    await test.call('PUT', '/api/v1/namespaces/_/actions/hello', { body: { exec: code }, auth: otherAuth });
    // (the fake core answers every invoke with the completed activation above)
    expect((await invoke(test, 'hello', otherAuth)).status).toBe(200);
  });

  it('an unknown web action is still a 404, not charged', async () => {
    const test = await start({ invocationsPerMinute: 1 });
    await openWhiskError(
      await test.call('GET', '/api/v1/web/guest/default/nosuch.json', { auth: null }),
      404,
    );
    expect((await invoke(test)).status).toBe(202);
  });
});

describe('triggers', () => {
  const ns = '/api/v1/namespaces/_';

  it("a fire starts each rule's action under the invocation limits: a refusal is that rule's failure", async () => {
    trigApi = await startTriggerRuleApi({ invocationsPerMinute: 1 });
    await trigApi.call('PUT', `${ns}/actions/a`, { exec: code });
    await trigApi.call('PUT', `${ns}/triggers/t`, {});
    await trigApi.call('PUT', `${ns}/rules/r1`, { trigger: '/_/t', action: '/_/a' });
    await trigApi.call('PUT', `${ns}/rules/r2`, { trigger: '/_/t', action: '/_/a' });
    const fired = await trigApi.call('POST', `${ns}/triggers/t`, {});
    expect(fired.status).toBe(202);
    const activationId = (fired.json as { activationId: string }).activationId;
    let record: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !record; i++) {
      record = trigApi.records.activations.find((r) => r.activationId === activationId);
      if (!record) await new Promise((r) => setTimeout(r, 20));
    }
    const lines = ((record?.logs ?? []) as string[]).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines.filter((l) => l.success === true)).toHaveLength(1);
    expect(lines.find((l) => l.success === false)).toMatchObject({
      statusCode: 1,
      error: 'Too many requests in the last minute (count: 2, allowed: 1).',
    });
    expect(trigApi.core.requests).toHaveLength(1);
  });

  it("fires per minute: the namespace document's 0 blocks every fire", async () => {
    trigApi = await startTriggerRuleApi();
    await trigApi.call('PUT', `${ns}/triggers/t`, {});
    expect((await trigApi.call('POST', `${ns}/triggers/t`, {})).status).toBe(204);
    for (const identity of trigApi.subjects.identities.values())
      if (identity.namespace.name === 'guest') identity.limits = { firesPerMinute: 0 };
    const refused = await trigApi.call('POST', `${ns}/triggers/t`, {});
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({
      error: 'Too many requests in the last minute (count: 2, allowed: 0).',
      code: expect.any(String),
    });
  });
});
