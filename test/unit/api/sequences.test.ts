/**
 * Sequence create/update/get over the REST layer with in-memory ports: OpenWhisk's stored shape and
 * its refusals (400/403 with OpenWhisk's messages and error body, nothing written).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sequenceMessages } from '../../../src/protocol/index.js';
import { activationDoc, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(async () => {
  await api.close();
});

const code = 'function main(p) { return p; }';
const path = (name: string) => `/api/v1/namespaces/_/actions/${name}`;

async function createAction(name: string): Promise<void> {
  const res = await api.call('PUT', path(name), { body: { exec: { kind: 'nodejs:default', code } } });
  expect(res.status).toBe(200);
}

function putSequence(name: string, components: unknown, overwrite = false) {
  return api.call('PUT', `${path(name)}?overwrite=${overwrite}`, {
    body: { exec: { kind: 'sequence', components } },
  });
}

async function expectRefused(res: globalThis.Response, status: number, message: string): Promise<void> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body.error).toBe(message);
  expect(typeof body.code).toBe('string');
}

describe('sequence create/get', () => {
  it('stores OpenWhisk’s sequence document: resolved components, _actions parameters, exec annotation', async () => {
    await createAction('a');
    await createAction('b');
    const res = await putSequence('s', ['/_/a', '/guest/b']);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const components = ['/guest/a', '/guest/b'];
    expect(body).toMatchObject({
      namespace: 'guest',
      name: 's',
      version: '0.0.1',
      exec: { kind: 'sequence', components },
      parameters: [{ key: '_actions', value: components }],
      annotations: [
        { key: 'provide-api-key', value: false },
        { key: 'exec', value: 'sequence' },
      ],
    });
    expect(api.actions.docs.get('guest/s')!.exec).toEqual({ kind: 'sequence', components });
    const got = await api.call('GET', path('s'));
    expect(((await got.json()) as { exec: unknown }).exec).toEqual({ kind: 'sequence', components });
    const listed = (await (await api.call('GET', '/api/v1/namespaces/_/actions')).json()) as {
      name: string;
      exec: unknown;
    }[];
    expect(listed.find((a) => a.name === 's')!.exec).toEqual({ binary: false });
  });

  it('update keeps the sequence’s parameters unless the exec changes; a code exec drops _actions', async () => {
    await createAction('a');
    await putSequence('s', ['/_/a']);
    const annotated = await api.call('PUT', `${path('s')}?overwrite=true`, {
      body: { annotations: [{ key: 'note', value: 1 }], parameters: [{ key: 'x', value: 1 }] },
    });
    expect(((await annotated.json()) as { parameters: unknown }).parameters).toEqual([
      { key: '_actions', value: ['/guest/a'] },
    ]);
    const recoded = await api.call('PUT', `${path('s')}?overwrite=true`, {
      body: { exec: { kind: 'nodejs:default', code } },
    });
    expect(((await recoded.json()) as { parameters: unknown }).parameters).toEqual([]);
  });
});

describe('sequence create refusals (nothing written)', () => {
  it('a missing component', async () => {
    await createAction('a');
    await expectRefused(await putSequence('s', ['/_/a', '/_/nope']), 400, sequenceMessages.componentNotFound);
    expect(api.actions.docs.has('guest/s')).toBe(false);
  });

  it('no component', async () => {
    await expectRefused(await putSequence('s', []), 400, sequenceMessages.noComponent);
  });

  it('more than 50 components, directly or once nested sequences are inlined', async () => {
    await createAction('a');
    await expectRefused(await putSequence('s', Array(51).fill('/_/a')), 400, sequenceMessages.tooLong);
    expect((await putSequence('thirty', Array(30).fill('/_/a'))).status).toBe(200);
    expect((await putSequence('fifty', Array(50).fill('/_/a'))).status).toBe(200);
    await expectRefused(
      await putSequence('sixty', ['/_/thirty', '/_/thirty']),
      400,
      sequenceMessages.tooLong,
    );
    expect(api.actions.docs.has('guest/sixty')).toBe(false);
  });

  it('a sequence that would contain itself, directly or through another sequence', async () => {
    await createAction('a');
    await expectRefused(await putSequence('s', ['/_/s']), 400, sequenceMessages.cyclic);
    expect((await putSequence('x', ['/_/a'])).status).toBe(200);
    expect((await putSequence('y', ['/_/x'])).status).toBe(200);
    const before = structuredClone(api.actions.docs.get('guest/x'));
    await expectRefused(await putSequence('x', ['/_/y'], true), 400, sequenceMessages.cyclic);
    expect(api.actions.docs.get('guest/x')).toEqual(before);
    // An action turned into a sequence that names itself.
    await expectRefused(await putSequence('a', ['/_/a'], true), 400, sequenceMessages.cyclic);
  });

  it('malformed components', async () => {
    await expectRefused(
      await putSequence('s', ['a']),
      400,
      `The request content was malformed: exec.components: ${sequenceMessages.malformedName}`,
    );
    expect((await putSequence('s', 'not-an-array')).status).toBe(400);
    expect((await putSequence('s', [7])).status).toBe(400);
  });

  it('another namespace’s default package: 403', async () => {
    await expectRefused(
      await putSequence('s', ['/other/a']),
      403,
      'The supplied authentication is not authorized to access this resource.',
    );
  });

  it('an existing name without overwrite is still a 409 first', async () => {
    await createAction('a');
    expect((await putSequence('s', ['/_/a'])).status).toBe(200);
    expect((await putSequence('s', ['/_/nope'])).status).toBe(409);
  });
});

describe('sequence invoke through the REST layer', () => {
  it('goes to the core with the sequence document (the core runs it)', async () => {
    await createAction('a');
    await putSequence('s', ['/_/a']);
    const res = await api.call('POST', `${path('s')}?blocking=false`, { body: { x: 1 } });
    expect(res.status).toBe(202);
    expect(api.core.requests.at(-1)!.action.exec).toEqual({ kind: 'sequence', components: ['/guest/a'] });
  });
});

describe('a sequence in the activations API', () => {
  it('its placement has no invoker: palette.color and palette.policy only; color= lists it beside its components', async () => {
    const seqId = 'a'.repeat(32);
    const componentId = 'b'.repeat(32);
    api.activations.add(activationDoc({ activationId: seqId, start: 1000, name: 's', logs: [componentId] }));
    api.activations.add(activationDoc({ activationId: componentId, start: 1001, cause: seqId }));
    api.placements.records.set(seqId, {
      namespace: 'guest',
      color: 'red',
      policy: 'consistent-hash',
      at: 1000,
    });
    api.placements.records.set(componentId, {
      namespace: 'guest',
      color: 'red',
      policy: 'consistent-hash',
      invoker: 1,
      home: 1,
      at: 1001,
    });
    const record = (await (await api.call('GET', `/api/v1/namespaces/_/activations/${seqId}`)).json()) as {
      annotations: { key: string; value: unknown }[];
    };
    const keys = record.annotations.map((a) => a.key);
    expect(keys).toContain('palette.color');
    expect(keys).toContain('palette.policy');
    expect(keys).not.toContain('palette.invoker');
    expect(keys).not.toContain('palette.home');
    const listed = (await (await api.call('GET', '/api/v1/namespaces/_/activations?color=red')).json()) as {
      activationId: string;
    }[];
    expect(listed.map((a) => a.activationId)).toEqual([componentId, seqId]);
  });
});
