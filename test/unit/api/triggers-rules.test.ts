/**
 * The trigger and rule routes over in-memory stores and a fake controller core: OpenWhisk's status
 * codes and messages, the trigger's rules map, fires (arguments, cause, color, the trigger's record
 * and placement), and bad input (4xx in OpenWhisk's shape, nothing half-written).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COLOR_KEY } from '../../../src/balancer/color.js';
import { NoInvokersError } from '../../../src/controller/types.js';
import { otherAuth } from './fakes.js';
import { startTriggerRuleApi, type TriggerRuleTestApi } from './trigger-rule-fakes.js';

let api: TriggerRuleTestApi;
const ns = '/api/v1/namespaces/_';

async function createAction(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  const r = await api.call('PUT', `${ns}/actions/${name}`, {
    exec: { kind: 'nodejs:20', code: 'function main(p) { return p; }' },
    ...extra,
  });
  expect(r.status).toBe(200);
}

async function setup(): Promise<void> {
  await createAction('hello');
  expect(
    (await api.call('PUT', `${ns}/triggers/t`, { parameters: [{ key: 'who', value: 'trigger' }] })).status,
  ).toBe(200);
  expect((await api.call('PUT', `${ns}/rules/r`, { trigger: '/_/t', action: '/_/hello' })).status).toBe(200);
}

/** Waits for the background part of the last fire (the rules started, the record queued). */
async function settled(count = 1): Promise<void> {
  for (let i = 0; i < 100 && api.records.activations.length < count; i++)
    await new Promise((r) => setTimeout(r, 5));
}

function expectOpenWhiskError(
  r: { status: number; json: unknown },
  status: number,
  message?: string | RegExp,
): void {
  expect(r.status).toBe(status);
  const body = r.json as { error?: unknown; code?: unknown };
  expect(typeof body.error).toBe('string');
  expect(typeof body.code).toBe('string');
  if (typeof message === 'string') expect(body.error).toBe(message);
  else if (message) expect(body.error).toMatch(message);
}

beforeEach(async () => {
  api = await startTriggerRuleApi();
});
afterEach(async () => {
  await api.close();
});

describe('triggers', () => {
  it('creates, gets, lists, counts, updates with overwrite and deletes', async () => {
    const created = await api.call('PUT', `${ns}/triggers/t`, { parameters: [{ key: 'a', value: 1 }] });
    expect(created.json).toMatchObject({
      namespace: 'guest',
      name: 't',
      version: '0.0.1',
      limits: {},
      publish: false,
    });
    expect(created.json).not.toHaveProperty('_id');
    expectOpenWhiskError(await api.call('PUT', `${ns}/triggers/t`, {}), 409, 'resource already exists');
    const updated = await api.call('PUT', `${ns}/triggers/t?overwrite=true`, {
      annotations: [{ key: 'x', value: 1 }],
    });
    expect(updated.json).toMatchObject({
      version: '0.0.2',
      parameters: [{ key: 'a', value: 1 }],
      annotations: [{ key: 'x', value: 1 }],
    });
    expect((await api.call('GET', `${ns}/triggers/t`)).json).toMatchObject({ name: 't', version: '0.0.2' });
    const list = (await api.call('GET', `${ns}/triggers`)).json as { name: string }[];
    expect(list.map((t) => t.name)).toEqual(['t']);
    expect((await api.call('GET', `${ns}/triggers?count=true`)).json).toEqual({ triggers: 1 });
    expect((await api.call('DELETE', `${ns}/triggers/t`)).json).toMatchObject({ name: 't' });
    expectOpenWhiskError(
      await api.call('GET', `${ns}/triggers/t`),
      404,
      'The requested resource does not exist.',
    );
    expectOpenWhiskError(await api.call('DELETE', `${ns}/triggers/t`), 404);
    expectOpenWhiskError(await api.call('POST', `${ns}/triggers/t`, {}), 404);
  });

  it('answers 409 when the name holds another kind of entity', async () => {
    await setup();
    const conformance = 'Resource by this name exists but is not in this collection.';
    expectOpenWhiskError(await api.call('PUT', `${ns}/triggers/r`, {}), 409, conformance);
    expectOpenWhiskError(await api.call('GET', `${ns}/triggers/r`), 409, conformance);
    expectOpenWhiskError(await api.call('GET', `${ns}/rules/t`), 409, conformance);
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/t`, { trigger: '/_/t', action: '/_/hello' }),
      409,
      conformance,
    );
  });

  it('refuses malformed trigger documents with 400 and writes nothing', async () => {
    for (const body of [
      '[]',
      '"x"',
      '{',
      '{"parameters":"x"}',
      '{"annotations":[{"value":1}]}',
      '{"version":"x"}',
    ]) {
      expectOpenWhiskError(await api.call('PUT', `${ns}/triggers/t`, body), 400);
    }
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/triggers/t`, { annotations: [{ key: 'feed', value: 'bad name!' }] }),
      400,
      'Feed name is not valid',
    );
    expectOpenWhiskError(await api.call('PUT', `${ns}/triggers/bad$name`, {}), 400);
    expect(api.whisks.writes).toBe(0);
  });

  it('keeps a feed annotation as given and does nothing with it', async () => {
    const r = await api.call('PUT', `${ns}/triggers/f`, {
      annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }],
    });
    expect(r.json).toMatchObject({ annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }] });
    expect(api.core.requests).toHaveLength(0);
  });

  it("is the caller's own: another namespace is 403, no key is 401", async () => {
    expectOpenWhiskError(await api.call('GET', '/api/v1/namespaces/other/triggers/t'), 403);
    const r = await fetch(`${api.url}${ns}/triggers`);
    expect(r.status).toBe(401);
  });

  it('answers 405 with the methods it supports', async () => {
    expectOpenWhiskError(await api.call('PATCH', `${ns}/triggers/t`, {}), 405);
    expectOpenWhiskError(await api.call('POST', `${ns}/triggers`, {}), 405);
  });
});

describe('rules', () => {
  it('create links the rule into its trigger as active; get shows the status the trigger records', async () => {
    await setup();
    const trigger = (await api.call('GET', `${ns}/triggers/t`)).json as { rules: unknown };
    expect(trigger.rules).toEqual({
      'guest/r': { action: { path: 'guest', name: 'hello' }, status: 'active' },
    });
    const rule = (await api.call('GET', `${ns}/rules/r`)).json;
    expect(rule).toMatchObject({
      namespace: 'guest',
      name: 'r',
      status: 'active',
      trigger: { path: 'guest', name: 't' },
      action: { path: 'guest', name: 'hello' },
    });
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/r`, { trigger: '/_/t', action: '/_/hello' }),
      409,
      'resource already exists',
    );
  });

  it('disables and enables through the trigger; the same state again is a 200 no-op', async () => {
    await setup();
    const off = await api.call('POST', `${ns}/rules/r`, { status: 'inactive' });
    expect(off.status).toBe(200);
    expect(off.text).toBe('OK');
    expect((await api.call('GET', `${ns}/rules/r`)).json).toMatchObject({ status: 'inactive' });
    const writes = api.whisks.writes;
    expect((await api.call('POST', `${ns}/rules/r`, { status: 'inactive' })).status).toBe(200);
    expect(api.whisks.writes).toBe(writes);
    expect((await api.call('POST', `${ns}/rules/r`, { status: 'active' })).status).toBe(200);
    expect((await api.call('GET', `${ns}/rules/r`)).json).toMatchObject({ status: 'active' });
    expectOpenWhiskError(
      await api.call('POST', `${ns}/rules/r`, { status: 'on' }),
      400,
      /'on' is not a recognized rule state/,
    );
    expectOpenWhiskError(await api.call('POST', `${ns}/rules/nope`, { status: 'active' }), 404);
  });

  it('cannot enable a rule whose trigger is gone (404), and shows it inactive', async () => {
    await setup();
    await api.call('POST', `${ns}/rules/r`, { status: 'inactive' });
    await api.call('DELETE', `${ns}/triggers/t`);
    expect((await api.call('GET', `${ns}/rules/r`)).json).toMatchObject({ status: 'inactive' });
    expectOpenWhiskError(
      await api.call('POST', `${ns}/rules/r`, { status: 'active' }),
      404,
      'Only rules with existing triggers can be activated',
    );
  });

  it('delete removes the link from the trigger and answers the rule as inactive', async () => {
    await setup();
    expect((await api.call('DELETE', `${ns}/rules/r`)).json).toMatchObject({ name: 'r', status: 'inactive' });
    expect(((await api.call('GET', `${ns}/triggers/t`)).json as { rules: unknown }).rules).toEqual({});
    expectOpenWhiskError(await api.call('GET', `${ns}/rules/r`), 404);
  });

  it('lists rules with their documents and counts them', async () => {
    await setup();
    const list = (await api.call('GET', `${ns}/rules`)).json as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'r', trigger: { path: 'guest', name: 't' } });
    expect(list[0]).not.toHaveProperty('status');
    expect((await api.call('GET', `${ns}/rules?count=true`)).json).toEqual({ rules: 1 });
  });

  it('refuses a missing trigger or action with 400 and writes nothing', async () => {
    await createAction('hello');
    await api.call('PUT', `${ns}/triggers/t`, {});
    const writes = api.whisks.writes;
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/r`, { trigger: '/_/nope', action: '/_/hello' }),
      400,
      'trigger /guest/nope does not exist',
    );
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/r`, { trigger: '/_/t', action: '/_/nope' }),
      400,
      'action /guest/nope does not exist',
    );
    // A package of another namespace that does not exist is refused as unreadable (403), as
    // OpenWhisk's entitlement check answers, so its existence does not leak.
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/r`, { trigger: '/_/t', action: '/whisk.system/utils/echo' }),
      403,
      /not authorized to access 'whisk.system\/utils'/,
    );
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/r`, { trigger: '/_/hello', action: '/_/hello' }),
      400,
      'trigger /guest/hello does not exist',
    );
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/r`, { trigger: '/_/t' }),
      400,
      'rule requires a valid trigger and a valid action',
    );
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/r`, { trigger: 't', action: '/_/hello' }),
      400,
      /at least the namespace/,
    );
    expectOpenWhiskError(await api.call('PUT', `${ns}/rules/r`, { trigger: 5, action: '/_/hello' }), 400);
    expectOpenWhiskError(await api.call('PUT', `${ns}/rules/r`, '[1]'), 400);
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/r`, { trigger: '/other/t', action: '/_/hello' }),
      403,
    );
    expect(api.whisks.writes).toBe(writes);
    expect(((await api.call('GET', `${ns}/triggers/t`)).json as { rules?: unknown }).rules).toBeUndefined();
  });

  it('takes the new rule back when its link cannot be written', async () => {
    await createAction('hello');
    await api.call('PUT', `${ns}/triggers/t`, {});
    api.whisks.alwaysConflict.add('guest/t');
    expectOpenWhiskError(
      await api.call('PUT', `${ns}/rules/r`, { trigger: '/_/t', action: '/_/hello' }),
      409,
      'Concurrent modification to resource detected.',
    );
    api.whisks.alwaysConflict.clear();
    expectOpenWhiskError(await api.call('GET', `${ns}/rules/r`), 404);
  });

  it('updates with overwrite: a new trigger moves the link, the status is kept', async () => {
    await setup();
    await api.call('PUT', `${ns}/triggers/t2`, {});
    await api.call('POST', `${ns}/rules/r`, { status: 'inactive' });
    const r = await api.call('PUT', `${ns}/rules/r?overwrite=true`, { trigger: '/_/t2' });
    expect(r.json).toMatchObject({
      version: '0.0.2',
      status: 'inactive',
      trigger: { path: 'guest', name: 't2' },
    });
    expect(((await api.call('GET', `${ns}/triggers/t`)).json as { rules: unknown }).rules).toEqual({});
    expect(
      ((await api.call('GET', `${ns}/triggers/t2`)).json as { rules: Record<string, unknown> }).rules[
        'guest/r'
      ],
    ).toEqual({
      action: { path: 'guest', name: 'hello' },
      status: 'inactive',
    });
  });
});

describe('fire', () => {
  it('answers 204 and writes no record without an active rule', async () => {
    await api.call('PUT', `${ns}/triggers/lonely`, {});
    const r = await api.call('POST', `${ns}/triggers/lonely`, { a: 1 });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    await setup();
    await api.call('POST', `${ns}/rules/r`, { status: 'inactive' });
    expect((await api.call('POST', `${ns}/triggers/t`, { a: 1 })).status).toBe(204);
    expect(api.core.requests).toHaveLength(0);
    expect(api.records.activations).toHaveLength(0);
  });

  it("starts each active rule's action non-blocking with merged arguments and the trigger as cause", async () => {
    await setup();
    const r = await api.call('POST', `${ns}/triggers/t`, { a: 1, who: 'payload' });
    expect(r.status).toBe(202);
    const { activationId } = r.json as { activationId: string };
    expect(activationId).toMatch(/^[0-9a-f]{32}$/);
    await settled();
    expect(api.core.requests).toHaveLength(1);
    const request = api.core.requests[0]!;
    expect(request.blocking).toBe(false);
    expect(request.cause).toBe(activationId);
    expect(request.action.name).toBe('hello');
    expect(request.color).toBeUndefined();
    expect(request.payload).toMatchObject({ a: 1, who: 'payload' });
    expect((request.payload as Record<string, unknown>).__ow_headers).toMatchObject({
      'content-type': 'application/json',
    });
    expect(JSON.stringify(request.payload)).not.toMatch(/authorization/i);

    const record = api.records.activations[0]!;
    expect(record).toMatchObject({
      namespace: 'guest',
      name: 't',
      activationId,
      end: 0,
      response: { statusCode: 0, result: { a: 1, who: 'payload' } },
      logs: [
        JSON.stringify({
          statusCode: 0,
          success: true,
          activationId: '0123456789abcdef0123456789abcdef',
          rule: 'guest/r',
          action: 'guest/hello',
        }),
      ],
    });
    expect(api.records.placements[0]).toMatchObject({
      activationId,
      kind: 'trigger',
      policy: 'openwhisk-sharding',
    });
    expect(api.records.placements[0]).not.toHaveProperty('invoker');
  });

  it("carries a payload color over the trigger's annotation to every action, and out of the arguments", async () => {
    await setup();
    await api.call('PUT', `${ns}/triggers/t?overwrite=true`, {
      annotations: [{ key: COLOR_KEY, value: 'from-trigger' }],
    });
    await api.call('POST', `${ns}/triggers/t`, { [COLOR_KEY]: 'from-payload', b: 2 });
    await settled(1);
    await api.call('POST', `${ns}/triggers/t`, { b: 3 });
    await settled(2);
    const [first, second] = api.core.requests;
    expect(first!.color).toBe('from-payload');
    expect(second!.color).toBe('from-trigger');
    for (const r of api.core.requests) expect(r.payload).not.toHaveProperty(COLOR_KEY);
    expect(api.records.placements.map((p) => [p.color, p.policy])).toEqual([
      ['from-payload', 'consistent-hash'],
      ['from-trigger', 'consistent-hash'],
    ]);
    expect((api.records.activations[0]!.response as { result: unknown }).result).toEqual({ b: 2 });
  });

  it('refuses a bad color with 400 before anything starts', async () => {
    await setup();
    expectOpenWhiskError(
      await api.call('POST', `${ns}/triggers/t`, { [COLOR_KEY]: 42 }),
      400,
      /__palette_color/,
    );
    expectOpenWhiskError(await api.call('POST', `${ns}/triggers/t`, [1, 2]), 400);
    expectOpenWhiskError(await api.call('POST', `${ns}/triggers/t`, '{'), 400);
    expect(api.core.requests).toHaveLength(0);
  });

  it('records inactive rules, missing actions and whisk errors in the logs', async () => {
    await setup();
    await createAction('gone');
    await createAction('final', {
      parameters: [{ key: 'who', value: 'x' }],
      annotations: [{ key: 'final', value: true }],
    });
    await api.call('PUT', `${ns}/rules/r2`, { trigger: '/_/t', action: '/_/gone' });
    await api.call('PUT', `${ns}/rules/r3`, { trigger: '/_/t', action: '/_/hello' });
    await api.call('PUT', `${ns}/rules/r4`, { trigger: '/_/t', action: '/_/final' });
    await api.call('POST', `${ns}/rules/r3`, { status: 'inactive' });
    await api.call('DELETE', `${ns}/actions/gone`);
    api.core.respond = async () => {
      throw new NoInvokersError();
    };
    expect((await api.call('POST', `${ns}/triggers/t`)).status).toBe(202);
    await settled();
    const lines = (api.records.activations[0]!.logs as string[]).map(
      (l) => JSON.parse(l) as Record<string, unknown>,
    );
    expect(lines).toEqual([
      {
        statusCode: 3,
        success: false,
        error: 'No invokers available.',
        rule: 'guest/r',
        action: 'guest/hello',
      },
      {
        statusCode: 1,
        success: false,
        error: 'The requested resource does not exist.',
        rule: 'guest/r2',
        action: 'guest/gone',
      },
      {
        statusCode: 1,
        success: false,
        error: "Rule 'guest/r3' is inactive, action 'guest/hello' was not activated.",
        rule: 'guest/r3',
        action: 'guest/hello',
      },
      {
        statusCode: 1,
        success: false,
        error: 'Request defines parameters that are not allowed (e.g., reserved properties).',
        rule: 'guest/r4',
        action: 'guest/final',
      },
    ]);
  });

  it("answers 429 with OpenWhisk's message above the fires-per-minute limit", async () => {
    await api.close();
    api = await startTriggerRuleApi(2);
    await api.call('PUT', `${ns}/triggers/lonely`, {});
    expect((await api.call('POST', `${ns}/triggers/lonely`)).status).toBe(204);
    expect((await api.call('POST', `${ns}/triggers/lonely`)).status).toBe(204);
    expectOpenWhiskError(
      await api.call('POST', `${ns}/triggers/lonely`),
      429,
      'Too many requests in the last minute (count: 3, allowed: 2).',
    );
  });

  it('another namespace may not fire the trigger', async () => {
    await setup();
    expectOpenWhiskError(await api.call('POST', '/api/v1/namespaces/guest/triggers/t', {}, otherAuth), 403);
  });
});
