/**
 * Packages, bindings, actions in packages and the utils catalog against the real platform
 * (controller core, Kafka from the global setup, invoker processes running Node.js actions,
 * CouchDB), driven by the real `wsk` and by the `openwhisk` npm client. Without a `wsk` binary the
 * wsk suite is skipped with the reason (a failure under CI=true); without OpenWhisk's parsers the
 * conformance check is. Also: a color reaches the placement of an action run through a binding.
 */

import openwhisk from 'openwhisk';
import { describe, expect, it } from 'vitest';
import { owcParse, owcSkipReason } from '../../support/owc.js';
import { restClient } from '../../support/platform.js';
import { annotationOf, eventually, jsonAfterHeader, ok } from '../clients/wsk-run.js';
import { wskSuite } from '../clients/wsk-suite.js';

/** Answers its parameters, so a test sees exactly what the action received. */
const paramsCode = 'function main(params) { return { params }; }';

const suite = wskSuite({ name: 'packages', invokers: 2, files: { 'params.js': paramsCode } });
const { wsk } = suite;

suite.describeWithWsk('wsk', () => {
  it('invokes the catalog from the guest namespace: wsk action invoke /whisk.system/utils/echo -p a 1 -r', async () => {
    const run = ok(await wsk('action', 'invoke', '/whisk.system/utils/echo', '-p', 'a', '1', '-r'));
    expect(JSON.parse(run.stdout)).toEqual({ a: 1 });
    const cat = ok(
      await wsk('action', 'invoke', '/whisk.system/utils/cat', '-p', 'lines', '["a","b"]', '-r'),
    );
    expect(JSON.parse(cat.stdout)).toEqual({ lines: ['a', 'b'], payload: 'a\nb' });
  }, 90_000);

  it('lists and summarises the catalog', async () => {
    expect(ok(await wsk('package', 'list', '/whisk.system')).stdout).toMatch(
      /\/whisk\.system\/utils\s+shared/,
    );
    const summary = ok(await wsk('package', 'get', '/whisk.system/utils', '--summary')).stdout;
    expect(summary).toContain('package /whisk.system/utils: Building blocks that format and assemble data');
    for (const name of ['echo', 'cat', 'sort', 'head', 'split', 'smash', 'date'])
      expect(summary).toContain(`action /whisk.system/utils/${name}:`);
    expect(summary).toContain('(parameters: payload, separator)');
  }, 60_000);

  it('package create, action create inside, bind, invoke through the binding, list, delete', async () => {
    ok(
      await wsk(
        'package',
        'create',
        'wpkg',
        '-p',
        'a',
        'package',
        '-p',
        'b',
        'package',
        '-p',
        'c',
        'package',
      ),
    );
    ok(await wsk('action', 'create', 'wpkg/show', suite.file('params.js'), '-p', 'c', 'action'));
    ok(await wsk('package', 'bind', 'wpkg', 'wbind', '-p', 'b', 'binding', '-p', 'c', 'binding'));
    const run = ok(await wsk('action', 'invoke', 'wbind/show', '-p', 'd', 'invocation', '-r'));
    expect(JSON.parse(run.stdout)).toEqual({
      params: { a: 'package', b: 'binding', c: 'action', d: 'invocation' },
    });
    // The record of an action run through a binding carries OpenWhisk's `binding` annotation.
    const invoked = ok(await wsk('action', 'invoke', 'wbind/show')).stdout;
    const id = /with id ([0-9a-f]{32})/.exec(invoked)![1]!;
    const record = await eventually(async () =>
      jsonAfterHeader(ok(await wsk('activation', 'get', id)).stdout),
    );
    expect(annotationOf(record, 'binding')).toBe('guest/wbind');
    ok(await wsk('package', 'update', 'wpkg', '-p', 'a', 'updated'));
    expect(JSON.parse(ok(await wsk('action', 'invoke', 'wbind/show', '-r')).stdout)).toEqual({
      params: { a: 'updated', b: 'binding', c: 'action' },
    });
    const list = ok(await wsk('package', 'list')).stdout;
    expect(list).toMatch(/\/guest\/wpkg\s+private/);
    expect(list).toMatch(/\/guest\/wbind\s+private/);
    expect(ok(await wsk('action', 'list', 'wbind')).stdout).toMatch(
      /\/guest\/wpkg\/show\s+private nodejs:20/,
    );
    const get = ok(await wsk('package', 'get', 'wbind')).stdout;
    expect(get).toContain('"name": "show"');
    const summary = ok(await wsk('package', 'get', 'wbind', '--summary')).stdout;
    expect(summary).toContain('package /guest/wbind');
    expect(summary).toContain('action /guest/wbind/show');

    const notEmpty = await wsk('package', 'delete', 'wpkg');
    expect(notEmpty.code).toBe(409 - 256);
    expect(notEmpty.stderr).toContain('Package not empty (contains 1 entity)');
    const toBinding = await wsk('package', 'bind', 'wbind', 'wbind2');
    expect(toBinding.code).toBe(400 - 256);
    expect(toBinding.stderr).toContain('Cannot bind to another package binding.');
    const missing = await wsk('package', 'bind', 'nosuch', 'wbind3');
    expect(missing.stderr).toContain('Binding references a package that does not exist.');

    ok(await wsk('action', 'delete', 'wpkg/show'));
    ok(await wsk('package', 'delete', 'wbind'));
    ok(await wsk('package', 'delete', 'wpkg'));
    expect((await wsk('package', 'get', 'wpkg')).code).toBe(404 - 256);
  }, 120_000);
});

describe('openwhisk npm client', () => {
  const ow = () => openwhisk({ apihost: suite.platform().apiHost, api_key: suite.platform().authKey });

  it('creates a package and a binding, invokes through both with merged parameters, deletes', async () => {
    const client = ow();
    await client.packages.create({
      name: 'npkg',
      package: {
        parameters: [
          { key: 'a', value: 'package' },
          { key: 'b', value: 'package' },
        ],
      },
    });
    await client.actions.create({ name: 'npkg/show', action: paramsCode, kind: 'nodejs:20' });
    await client.packages.create({
      name: 'nbind',
      package: { binding: { namespace: '_', name: 'npkg' }, parameters: [{ key: 'b', value: 'binding' }] },
    });
    const direct = await client.actions.invoke({
      name: 'npkg/show',
      params: { x: 1 },
      blocking: true,
      result: true,
    });
    expect(direct).toEqual({ params: { a: 'package', b: 'package', x: 1 } });
    const bound = await client.actions.invoke({ name: 'nbind/show', blocking: true, result: true });
    expect(bound).toEqual({ params: { a: 'package', b: 'binding' } });
    // The record of an action run through a binding names the binding (OpenWhisk's `binding`
    // annotation, the path as invoked); run through its package, it has none.
    const viaBinding = await client.actions.invoke({ name: 'nbind/show', blocking: true });
    const viaPackage = await client.actions.invoke({ name: 'npkg/show', blocking: true });
    const recordOf = (id: string) =>
      eventually(
        async () => (await client.activations.get({ name: id })) as unknown as Record<string, unknown>,
      );
    expect(annotationOf(await recordOf(viaBinding.activationId), 'binding')).toBe('guest/nbind');
    expect(annotationOf(await recordOf(viaPackage.activationId), 'binding')).toBeUndefined();
    expect(await client.actions.get({ name: 'nbind/show' })).not.toHaveProperty('binding');

    // The refusals wsk meets: a binding to a binding, deleting a package that holds actions.
    await expect(
      client.packages.create({ name: 'nbind2', package: { binding: { namespace: '_', name: 'nbind' } } }),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('Cannot bind to another package binding.'),
    });
    await expect(client.packages.delete({ name: 'npkg' })).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringContaining('Package not empty (contains 1 entity)'),
    });
    const updated = await client.packages.update({
      name: 'npkg',
      package: { parameters: [{ key: 'a', value: 'updated' }] },
    });
    expect(updated.parameters).toEqual([{ key: 'a', value: 'updated' }]);
    expect(await client.actions.invoke({ name: 'nbind/show', blocking: true, result: true })).toEqual({
      params: { a: 'updated', b: 'binding' },
    });

    const got = (await client.packages.get({ name: 'nbind' })) as unknown as { actions: { name: string }[] };
    expect(got.actions.map((a) => a.name)).toEqual(['show']);
    const listed = (await client.packages.list()) as unknown as { name: string }[];
    expect(listed.map((p) => p.name).sort()).toEqual(['nbind', 'npkg']);
    const echo = await client.actions.invoke({
      name: '/whisk.system/utils/echo',
      params: { hi: 'there' },
      blocking: true,
      result: true,
    });
    expect(echo).toEqual({ hi: 'there' });
    const catalog = (await client.packages.list({ namespace: 'whisk.system' })) as unknown as {
      name: string;
      publish: boolean;
    }[];
    expect(catalog).toContainEqual(expect.objectContaining({ name: 'utils', publish: true }));
    const utils = (await client.packages.get({ name: '/whisk.system/utils' })) as unknown as {
      actions: { name: string }[];
    };
    expect(utils.actions.map((a) => a.name).sort()).toEqual([
      'cat',
      'date',
      'echo',
      'head',
      'smash',
      'sort',
      'split',
    ]);

    await client.actions.delete({ name: 'npkg/show' });
    await client.packages.delete({ name: 'nbind' });
    await client.packages.delete({ name: 'npkg' });
    await expect(client.packages.get({ name: 'npkg' })).rejects.toMatchObject({ statusCode: 404 });
  }, 120_000);

  it('a color flows to the placement of an action run through a binding (payload > package action annotation)', async () => {
    const rest = restClient(suite.platform());
    await rest.call('PUT', '/namespaces/_/packages/cpkg');
    await rest.call('PUT', '/namespaces/_/actions/cpkg/show', {
      exec: { kind: 'nodejs:20', code: paramsCode },
      annotations: [{ key: '__palette_color', value: 'from-annotation' }],
    });
    await rest.call('PUT', '/namespaces/_/packages/cbind', { binding: { namespace: '_', name: 'cpkg' } });
    const colorOf = async (payload: Record<string, unknown>) => {
      const reply = await rest.call('POST', '/namespaces/_/actions/cbind/show?blocking=true', payload);
      expect(reply.status).toBe(200);
      const activation = reply.body as { activationId: string; response: { result: { params: unknown } } };
      // The color never reaches the action.
      expect(activation.response.result.params).not.toHaveProperty('__palette_color');
      const record = await eventually(async () => {
        const got = await rest.call('GET', `/namespaces/_/activations/${activation.activationId}`);
        expect(got.status).toBe(200);
        const body = got.body as { annotations: { key: string; value: unknown }[] };
        expect(annotationOf(body, 'palette.policy')).toBeDefined();
        return body;
      });
      return annotationOf(record, 'palette.color');
    };
    expect(await colorOf({ __palette_color: 'user-7' })).toBe('user-7');
    expect(await colorOf({})).toBe('from-annotation');
  }, 120_000);

  it('malformed package documents are 4xx and write nothing', async () => {
    const rest = restClient(suite.platform());
    for (const body of [{ parameters: 'x' }, { binding: { namespace: 'guest' } }, { publish: 'yes' }, [1]]) {
      const reply = await rest.call('PUT', '/namespaces/_/packages/bad', body);
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({
        error: expect.stringContaining('malformed'),
        code: expect.any(String),
      });
    }
    expect((await rest.call('GET', '/namespaces/_/packages/bad')).status).toBe(404);
  });
});

describe.skipIf(owcSkipReason())('conformance', () => {
  it('every package document in the whisks database is accepted by OpenWhisk as a package', async () => {
    const rest = restClient(suite.platform());
    await rest.call('PUT', '/namespaces/_/packages/opkg?overwrite=true', {
      parameters: [{ key: 'a', value: { nested: [1, 2] } }],
      annotations: [{ key: 'description', value: 'd' }],
      publish: true,
    });
    await rest.call('PUT', '/namespaces/_/packages/opkg?overwrite=true', { version: '1.2.3' });
    await rest.call('PUT', '/namespaces/_/packages/obind?overwrite=true', {
      binding: { namespace: 'whisk.system', name: 'utils' },
      parameters: [{ key: 'b', value: 1 }],
    });
    const reply = (await (
      await fetch(
        `${suite.platform().couchUrl}/${suite.platform().config.dbPrefix}whisks/_all_docs?include_docs=true`,
      )
    ).json()) as { rows: { doc: { entityType?: string } }[] };
    const packages = reply.rows.map((r) => r.doc).filter((d) => d.entityType === 'package');
    expect(packages.length).toBeGreaterThanOrEqual(3);
    const verdicts = owcParse(
      'package',
      packages.map((p) => JSON.stringify(p)),
    );
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
  }, 60_000);
});
