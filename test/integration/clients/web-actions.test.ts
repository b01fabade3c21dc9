/**
 * Web actions against the real platform (controller, Kafka from the global setup, CouchDB, Node.js
 * invokers): `wsk action create hello actions/hello.js --web true`, then a plain fetch of
 * `/api/v1/web/guest/default/hello.json?__palette_color=x` with no key. The result comes back, the
 * activation's placement annotation `palette.color` is x, and the action's own parameters show no
 * color. Without `wsk` the action is created over REST with the annotations `wsk` sets (and the
 * wsk part skips with the reason), unless CI=true.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openwhisk from 'openwhisk';
import { beforeAll, describe, expect, it } from 'vitest';
import { restClient } from '../../support/platform.js';
import { annotationOf, eventually, ok } from './wsk-run.js';
import { wskSuite } from './wsk-suite.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const suite = wskSuite({ name: 'webactions', invokers: 2 });
const { wsk } = suite;

/** GET the web URL with no key; answers the result and the activation id. */
async function callWeb(path: string, init: RequestInit = {}) {
  const res = await fetch(`${suite.platform().apiHost}/api/v1/web/guest/default/${path}`, init);
  return { res, activationId: res.headers.get('x-openwhisk-activation-id') };
}

async function recordOf(activationId: string): Promise<Record<string, unknown>> {
  const rest = restClient(suite.platform());
  return eventually(async () => {
    const reply = await rest.call('GET', `/namespaces/_/activations/${activationId}`);
    expect(reply.status).toBe(200);
    return reply.body as Record<string, unknown>;
  });
}

suite.describeWithWsk('web actions with wsk', () => {
  it('action create --web true; fetch .json with a color in the query; activation get shows the color', async () => {
    const file = join(root, 'actions/hello.js');
    expect(ok(await wsk('action', 'create', 'hello', file, '--web', 'true')).stdout).toContain(
      'ok: created action hello',
    );
    const url = ok(await wsk('action', 'get', 'hello', '--url')).stdout;
    expect(url).toContain('/api/v1/web/guest/default/hello');

    const { res, activationId } = await callWeb('hello.json?__palette_color=x&name=Web');
    expect(res.status).toBe(200);
    const result = (await res.json()) as { greeting: string; params: Record<string, unknown> };
    expect(result.greeting).toBe('Hello, Web!');
    expect(result.params).toMatchObject({ __ow_method: 'get', __ow_path: '' });
    expect(JSON.stringify(result.params)).not.toContain('__palette_color');

    const run = ok(await eventually(async () => ok(await wsk('activation', 'get', activationId!))));
    const record = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as Record<string, unknown>;
    expect(annotationOf(record, 'palette.color')).toBe('x');
    expect(record).toMatchObject({ name: 'hello', namespace: 'guest' });
  }, 120_000);

  it('final (set by --web true): a query that overrides a defined parameter is a 400', async () => {
    ok(await wsk('action', 'update', 'hello', '-p', 'name', 'Fixed'));
    const { res } = await callWeb('hello.json?name=Other');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'Request defines parameters that are not allowed (e.g., reserved properties).',
    });
  }, 60_000);
});

describe('web actions with the openwhisk npm client', () => {
  it('actions.create with the web-export annotation; the web URL answers without a key, with the color', async () => {
    const ow = openwhisk({ apihost: suite.platform().apiHost, api_key: suite.platform().authKey });
    await ow.actions.create({
      name: 'npmweb',
      action: readFileSync(join(root, 'actions/hello.js'), 'utf8'),
      annotations: { 'web-export': true },
    });
    const got = await ow.actions.get({ name: 'npmweb' });
    expect(annotationOf(got, 'web-export')).toBe(true);
    const { res, activationId } = await callWeb('npmweb.json?name=Npm', {
      headers: { 'x-palette-color': 'npm-color' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { greeting: string }).greeting).toBe('Hello, Npm!');
    const record = (await eventually(() => ow.activations.get({ name: activationId! }))) as unknown as Record<
      string,
      unknown
    >;
    expect(annotationOf(record, 'palette.color')).toBe('npm-color');
    // Without web-export the same URL is a 404.
    await ow.actions.update({ name: 'npmweb', annotations: { 'web-export': false } });
    expect((await callWeb('npmweb.json')).res.status).toBe(404);
  }, 60_000);
});

describe('web actions over plain HTTP', () => {
  beforeAll(async () => {
    const reply = await restClient(suite.platform()).createAction('webhello', 'hello.js', {
      annotations: [
        { key: 'web-export', value: true },
        { key: 'raw-http', value: false },
        { key: 'final', value: true },
      ],
    });
    expect(reply.status).toBe(200);
  }, 60_000);

  it('the header wins over the query and the body; the action sees none of them', async () => {
    const { res, activationId } = await callWeb('webhello.json?__palette_color=q', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-palette-color': 'hdr' },
      body: JSON.stringify({ __palette_color: 'b', name: 'Body' }),
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { greeting: string; params: Record<string, unknown> };
    expect(result.greeting).toBe('Hello, Body!');
    expect(JSON.stringify(result.params)).not.toContain('__palette_color');
    expect(JSON.stringify(result.params)).not.toContain('hdr');
    expect(annotationOf(await recordOf(activationId!), 'palette.color')).toBe('hdr');
  }, 60_000);

  it('404 for a missing action, in OpenWhisk shape', async () => {
    const { res } = await callWeb('nope.json');
    expect(res.status).toBe(404);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.error).toBe('The requested resource does not exist.');
    expect(typeof body.code).toBe('string');
  });
});
