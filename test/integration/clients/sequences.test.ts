/**
 * Sequences with the real clients against the real platform (controller, Kafka from the global
 * setup, CouchDB, invokers running Node.js actions): `wsk action create s --sequence a,b`, invoke
 * with and without a color, `wsk activation get` of the sequence and its components; the same with
 * the `openwhisk` npm client; and OpenWhisk's own parsers judging the sequence document and the
 * sequence's record as stored. Without `wsk` (or the parsers) those parts skip with the reason,
 * unless CI=true.
 */

import openwhisk from 'openwhisk';
import { beforeAll, describe, expect, it } from 'vitest';
import { sequenceMessages } from '../../../src/protocol/index.js';
import { owcParse, owcSkipReason } from '../../support/owc.js';
import { restClient } from '../../support/platform.js';
import { annotationOf, eventually, jsonAfterHeader, ok } from './wsk-run.js';
import { wskSuite } from './wsk-suite.js';

const owcSkip = owcSkipReason();

/** Adds one to `n` and lists the keys it was given (so a leaked color would show). */
const incCode = `function main(p) { return { n: (p.n || 0) + 1, keys: Object.keys(p).sort() }; }`;
const failCode = `function main() { return { error: 'stop here' }; }`;

const suite = wskSuite({
  name: 'sequences',
  invokers: 2,
  files: { 'inc.js': incCode, 'fail.js': failCode },
  setup: async (platform) => {
    const rest = restClient(platform);
    for (const [name, code] of [
      ['inc', incCode],
      ['fail', failCode],
    ] as const) {
      const reply = await rest.call('PUT', `/namespaces/_/actions/${name}?overwrite=true`, {
        exec: { kind: 'nodejs:default', code },
      });
      expect(reply.status).toBe(200);
    }
  },
});
const { wsk } = suite;

suite.describeWithWsk('sequences with wsk', () => {
  it('action create --sequence, get, invoke -r with a color, activation get of the sequence and a component', async () => {
    expect(ok(await wsk('action', 'create', 'wsk-seq', '--sequence', 'inc,inc,inc')).stdout).toContain(
      'ok: created action wsk-seq',
    );
    const got = jsonAfterHeader(ok(await wsk('action', 'get', 'wsk-seq')).stdout);
    const components = ['/guest/inc', '/guest/inc', '/guest/inc'];
    expect(got.exec).toEqual({ kind: 'sequence', components });
    expect(ok(await wsk('action', 'list')).stdout).toMatch(/\/guest\/wsk-seq\s+private sequence/);

    const result = JSON.parse(
      ok(await wsk('action', 'invoke', 'wsk-seq', '-r', '-p', 'n', '1', '-p', '__palette_color', 'seq-red'))
        .stdout,
    ) as Record<string, unknown>;
    expect(result).toEqual({ n: 4, keys: ['keys', 'n'] });

    const invoked = ok(await wsk('action', 'invoke', 'wsk-seq', '-b', '-p', '__palette_color', 'seq-red'));
    const seqId = String(jsonAfterHeader(invoked.stdout).activationId);
    const record = jsonAfterHeader(ok(await wsk('activation', 'get', seqId)).stdout);
    expect(record).toMatchObject({ name: 'wsk-seq', activationId: seqId });
    expect(annotationOf(record, 'kind')).toBe('sequence');
    expect(annotationOf(record, 'topmost')).toBe(true);
    expect(annotationOf(record, 'palette.color')).toBe('seq-red');
    expect(annotationOf(record, 'palette.invoker')).toBeUndefined();
    const logs = record.logs as string[];
    expect(logs).toHaveLength(3);

    const component = await eventually(async () =>
      jsonAfterHeader(ok(await wsk('activation', 'get', logs[1]!)).stdout),
    );
    expect(component).toMatchObject({ name: 'inc', cause: seqId });
    expect(annotationOf(component, 'causedBy')).toBe('sequence');
    expect(annotationOf(component, 'palette.color')).toBe('seq-red');
    expect(typeof annotationOf(component, 'palette.invoker')).toBe('number');
    const logged = ok(await wsk('activation', 'logs', seqId)).stdout;
    for (const id of logs) expect(logged).toContain(id);
  }, 120_000);

  it('a failing component stops the sequence: invoke -r exits with the 502', async () => {
    ok(await wsk('action', 'create', 'wsk-seq-fail', '--sequence', 'inc,fail,inc'));
    const run = await wsk('action', 'invoke', 'wsk-seq-fail', '-r');
    expect(run.code).toBe(502 - 256);
    expect(run.stdout + run.stderr).toContain('stop here');
  }, 60_000);

  it('refusals: a missing component, a self reference', async () => {
    const missing = await wsk('action', 'create', 'wsk-seq-bad', '--sequence', 'inc,nope');
    expect(missing.code).toBe(400 - 256);
    expect(missing.stderr).toContain(sequenceMessages.componentNotFound);
    const cyclic = await wsk('action', 'update', 'wsk-seq', '--sequence', 'inc,wsk-seq');
    expect(cyclic.code).toBe(400 - 256);
    expect(cyclic.stderr).toContain(sequenceMessages.cyclic);
  }, 60_000);
});

describe('sequences with the openwhisk npm client', () => {
  let ow: ReturnType<typeof openwhisk>;
  beforeAll(() => {
    ow = openwhisk({ apihost: suite.platform().apiHost, api_key: suite.platform().authKey });
  });
  // The client's `sequence` option (its README) is missing from its type declarations.
  const createSequence = (name: string, sequence: string[]) =>
    ow.actions.create({ name, sequence } as unknown as Parameters<typeof ow.actions.create>[0]);

  it('create with `sequence`, invoke blocking with a color, read the records; the color lists them together', async () => {
    const created = await createSequence('npm-seq', ['/_/inc', '/_/inc']);
    expect(created.exec).toEqual({ kind: 'sequence', components: ['/guest/inc', '/guest/inc'] });
    const result = await ow.actions.invoke({
      name: 'npm-seq',
      blocking: true,
      result: true,
      params: { n: 10, __palette_color: 'npm-blue' },
    });
    expect(result).toEqual({ n: 12, keys: ['keys', 'n'] });

    const activation = (await ow.actions.invoke({
      name: 'npm-seq',
      blocking: true,
      params: { __palette_color: 'npm-blue' },
    })) as unknown as Record<string, unknown>;
    const seqId = String(activation.activationId);
    const record = (await ow.activations.get({ name: seqId })) as unknown as Record<string, unknown>;
    expect(annotationOf(record, 'kind')).toBe('sequence');
    const logs = record.logs as string[];
    expect(logs).toHaveLength(2);

    const listed = await eventually(async () => {
      const reply = await restClient(suite.platform()).call(
        'GET',
        '/namespaces/_/activations?color=npm-blue&limit=50',
      );
      const ids = (reply.body as { activationId: string }[]).map((a) => a.activationId);
      expect(ids).toEqual(expect.arrayContaining([seqId, ...logs]));
      return ids;
    });
    expect(listed).toHaveLength(6);
  }, 120_000);

  it('non-blocking answers an id whose record appears', async () => {
    const { activationId } = await ow.actions.invoke({ name: 'npm-seq', params: { n: 1 } });
    const record = await eventually(
      async () => (await ow.activations.get({ name: activationId })) as unknown as Record<string, unknown>,
    );
    expect((record.response as { result: unknown }).result).toEqual({ n: 3, keys: ['keys', 'n'] });
  }, 60_000);

  it('refuses a sequence naming a missing component with a 400', async () => {
    await expect(createSequence('npm-seq-bad', ['/_/nope'])).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining(sequenceMessages.componentNotFound),
    });
  });
});

describe.skipIf(owcSkip)('sequence documents judged by OpenWhisk (ow-conformance)', () => {
  it('the stored sequence action and the sequence records parse as WhiskAction and WhiskActivation', async () => {
    const rest = restClient(suite.platform());
    expect(
      (
        await rest.call('PUT', '/namespaces/_/actions/owc-seq?overwrite=true', {
          exec: { kind: 'sequence', components: ['/_/inc', '/_/fail'] },
        })
      ).status,
    ).toBe(200);
    const ok1 = await rest.call('PUT', '/namespaces/_/actions/owc-inner?overwrite=true', {
      exec: { kind: 'sequence', components: ['/_/inc'] },
    });
    expect(ok1.status).toBe(200);
    await rest.call('PUT', '/namespaces/_/actions/owc-outer?overwrite=true', {
      exec: { kind: 'sequence', components: ['/_/owc-inner', '/_/inc'] },
    });
    await rest.call('POST', '/namespaces/_/actions/owc-seq?blocking=true', { __palette_color: 'owc' });
    await rest.call('POST', '/namespaces/_/actions/owc-outer?blocking=true', {});
    await suite.platform().stores.activations.flush();
    const base = `${suite.platform().couchUrl}/${suite.platform().config.dbPrefix}`;
    const all = async (db: string) => {
      const reply = (await (await fetch(`${base}${db}/_all_docs?include_docs=true`)).json()) as {
        rows: { id: string; doc: Record<string, unknown> }[];
      };
      return reply.rows.filter((r) => !r.id.startsWith('_design/')).map((r) => r.doc);
    };
    const actions = (await all('whisks')).filter((d) => (d.exec as { kind?: string })?.kind === 'sequence');
    const records = (await all('activations')).filter((d) =>
      ((d.annotations ?? []) as { key: string; value: unknown }[]).some(
        (a) => a.key === 'kind' && a.value === 'sequence',
      ),
    );
    expect(actions.length).toBeGreaterThanOrEqual(3);
    // owc-seq (failed), owc-outer and its inner sequence (with cause and causedBy) at least.
    expect(records.length).toBeGreaterThanOrEqual(3);
    expect(records.some((r) => typeof r.cause === 'string')).toBe(true);
    for (const [kind, docs] of [
      ['action', actions],
      ['whisk-activation', records],
    ] as const) {
      const lines = docs.map((d) => JSON.stringify(d));
      const rejected = owcParse(kind, lines).flatMap((v, i) => (v.ok ? [] : [`${v.output} <- ${lines[i]}`]));
      expect(rejected).toEqual([]);
    }
  }, 120_000);
});
