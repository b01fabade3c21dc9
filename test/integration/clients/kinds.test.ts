/**
 * Runtime kinds (R10) with the real `wsk` against the real platform, whose invokers are Palette's
 * own (tagged `palette-nodejs`): a kind from the manifest is created, and invoking it answers 503
 * "No invokers available." because no invoker that can run it is there; a kind the manifest does
 * not list is a 400 in OpenWhisk's words; `--docker` creates a blackbox action. OpenWhisk's own
 * parsers judge the stored documents. Without `wsk` (or the parsers) those parts skip with the
 * reason, unless CI=true.
 */
import { describe, expect, it } from 'vitest';
import { owcParse, owcSkipReason } from '../../support/owc.js';
import { restClient } from '../../support/platform.js';
import { jsonAfterHeader, ok } from './wsk-run.js';
import { wskSuite } from './wsk-suite.js';

const suite = wskSuite({
  name: 'kinds',
  invokers: 1,
  files: {
    'x.py': 'def main(args):\n    return {"greeting": "hello"}\n',
    'hello.js': 'function main() { return { ok: true }; }',
  },
});
const { wsk } = suite;
const owcSkip = owcSkipReason();

suite.describeWithWsk('runtime kinds with wsk', () => {
  it('creates a python action (a manifest kind); invoking it with only Palette invokers is 503 No invokers available.', async () => {
    expect(
      ok(await wsk('action', 'create', 'py', suite.file('x.py'), '--kind', 'python:3.10')).stdout,
    ).toContain('ok: created action py');
    const got = jsonAfterHeader(ok(await wsk('action', 'get', 'py')).stdout);
    expect(got.exec).toMatchObject({ kind: 'python:3.10', binary: false });
    for (const flags of [['-r'], []]) {
      const run = await wsk('action', 'invoke', 'py', ...flags);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('No invokers available.');
      expect(run.stderr).toContain('(code ');
    }
    // The REST reply itself: 503 in OpenWhisk's error shape.
    const reply = await restClient(suite.platform()).call(
      'POST',
      '/namespaces/_/actions/py?blocking=true',
      {},
    );
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ error: 'No invokers available.', code: expect.anything() });
    // Node.js actions still run on the same platform.
    ok(await wsk('action', 'create', 'js', suite.file('hello.js')));
    expect(JSON.parse(ok(await wsk('action', 'invoke', 'js', '-r')).stdout)).toEqual({ ok: true });
  }, 120_000);

  it('refuses a kind the manifest does not list with a 400 in OpenWhisk’s words', async () => {
    const run = await wsk('action', 'create', 'bad', suite.file('x.py'), '--kind', 'python:3');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      "The specified runtime 'python:3' is not supported by this platform. Valid values are:",
    );
    const reply = await restClient(suite.platform()).call('PUT', '/namespaces/_/actions/bad', {
      exec: { kind: 'cobol:1', code: 'x' },
    });
    expect(reply.status).toBe(400);
    expect((reply.body as { error: string }).error).toMatch(
      /^The request content was malformed:\nThe specified runtime 'cobol:1'/,
    );
    expect((await wsk('action', 'get', 'bad')).code).not.toBe(0);
  }, 60_000);

  it('creates a blackbox action with --docker', async () => {
    expect(ok(await wsk('action', 'create', 'bb', '--docker', 'openwhisk/example')).stdout).toContain(
      'ok: created action bb',
    );
    const got = jsonAfterHeader(ok(await wsk('action', 'get', 'bb')).stdout);
    expect(got.exec).toMatchObject({ kind: 'blackbox', image: 'openwhisk/example' });
    expect(ok(await wsk('action', 'list')).stdout).toMatch(/\/guest\/bb\s+private blackbox/);
    const run = await wsk('action', 'invoke', 'bb', '-r');
    expect(run.stderr).toContain('No invokers available.');
  }, 60_000);
});

describe.skipIf(owcSkip !== undefined)('OpenWhisk parsers on the stored documents', () => {
  it('accepts python, java, go and blackbox action documents as stored', async () => {
    const rest = restClient(suite.platform());
    const puts: [string, Record<string, unknown>][] = [
      ['owc-py', { kind: 'python:default', code: 'def main(a):\n  return a' }],
      ['owc-java', { kind: 'java:8', code: 'UEsDBAoAAAAAAA==', main: 'Hello' }],
      ['owc-go', { kind: 'go:1.20', code: 'package main' }],
      ['owc-bb', { kind: 'blackbox', image: 'openwhisk/example' }],
      [
        'owc-bbc',
        { kind: 'blackbox', image: 'openwhisk/dockerskeleton:nightly', code: '#!/bin/bash\necho {}' },
      ],
    ];
    for (const [name, exec] of puts) {
      const reply = await rest.call('PUT', `/namespaces/_/actions/${name}?overwrite=true`, { exec });
      expect(reply.status, name).toBe(200);
    }
    const base = `${suite.platform().couchUrl}/${suite.platform().config.dbPrefix}whisks`;
    const docs = await Promise.all(
      puts.map(async ([name]) => (await fetch(`${base}/${encodeURIComponent(`guest/${name}`)}`)).json()),
    );
    const lines = docs.map((d) => JSON.stringify(d));
    const verdicts = owcParse('action', lines);
    const rejected = verdicts.flatMap((v, i) => (v.ok ? [] : [`${v.output} <- ${lines[i]}`]));
    expect(rejected).toEqual([]);
    // OpenWhisk reads them back with the same kind (and image).
    expect(verdicts.map((v) => (JSON.parse(v.output) as { exec: { kind: string } }).exec.kind)).toEqual([
      'python:3.10',
      'java:8',
      'go:1.20',
      'blackbox',
      'blackbox',
    ]);
  }, 120_000);
});
