/**
 * Issue 18 with the real clients, on one real platform (Kafka, CouchDB, invokers as OS processes
 * writing their own records after the result, as OpenWhisk's do):
 * - read-your-writes (R6): a blocking invoke, then at once `wsk activation get --last`, `list` and
 *   `logs` (and the npm client's list/get/logs/result) show it, 100 times in a row, with no retry;
 * - a non-blocking invoke is listed as soon as its completion reached the controller;
 * - Palette's in-flight route (R12) shows a running activation and not a finished one, while
 *   OpenWhisk's own route answers 404 until it completes; 401 and 403 as OpenWhisk answers them;
 * - the records carry OpenWhisk's timing annotations and R7's palette.reason/hops/warm.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openwhisk from 'openwhisk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/platform/platform.js';
import { restClient, startTestPlatform } from '../../support/platform.js';
import { findWsk } from './wsk-binary.js';
import { annotationOf, eventually, jsonAfterHeader, ok, runWsk } from './wsk-run.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const wskLookup = findWsk(root);
const wskMissing = 'reason' in wskLookup ? wskLookup.reason : '';
const inCi = process.env.CI === 'true';
const rounds = 100;

const helloCode = `function main(p) { console.log('hello ' + p.n); return { n: p.n }; }`;
const sleepyCode = `function main(p) { return new Promise((r) => setTimeout(() => r({ slept: p.ms }), p.ms)); }`;

let platform: Platform;
let rest: ReturnType<typeof restClient>;
let workDir: string;

interface InFlightItem {
  activationId: string;
  namespace: string;
  action: string;
  color?: string;
  invoker: number;
  policy: string;
  reason: string;
  since: number;
}

function palette(path: string, auth: string | null = platform.authKey): Promise<Response> {
  return fetch(`${platform.apiHost}/palette/v1${path}`, {
    headers: auth === null ? {} : { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
  });
}

async function inFlight(): Promise<InFlightItem[]> {
  const res = await palette('/namespaces/_/activations/inflight');
  expect(res.status).toBe(200);
  return (await res.json()) as InFlightItem[];
}

beforeAll(async () => {
  platform = await startTestPlatform('readwrites', { invokers: 1 });
  rest = restClient(platform);
  for (const [name, code] of [
    ['hello', helloCode],
    ['sleepy', sleepyCode],
  ] as const) {
    const put = await rest.call('PUT', `/namespaces/_/actions/${name}?overwrite=true`, {
      exec: { kind: 'nodejs:20', code },
    });
    expect(put.status).toBe(200);
  }
  workDir = mkdtempSync(join(tmpdir(), 'palette-ryw-'));
  writeFileSync(join(workDir, 'wskprops'), '');
}, 240_000);

afterAll(async () => {
  await platform?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!wskLookup.path && !inCi)(`wsk ${wskMissing ? `(${wskMissing})` : ''}`, () => {
  const wsk = (...args: string[]) =>
    runWsk(wskLookup.path!, platform, join(workDir, 'wskprops'), args).then(ok);

  it(`blocking invoke, then at once get --last, list and logs show it: ${rounds} times in a row`, async () => {
    for (let i = 0; i < rounds; i++) {
      const invoked = jsonAfterHeader(
        (await wsk('action', 'invoke', 'hello', '-b', '-p', 'n', String(i))).stdout,
      );
      const id = invoked.activationId as string;
      // All three at once, right after the reply (and faster than one after another).
      const [lastRun, listRun, logsRun] = await Promise.all([
        wsk('activation', 'get', '--last'),
        wsk('activation', 'list', '--limit', '1'),
        wsk('activation', 'logs', id),
      ]);
      const last = jsonAfterHeader(lastRun.stdout);
      expect(last.activationId, `round ${i}: get --last`).toBe(id);
      expect(last.response).toMatchObject({ result: { n: i } });
      expect(listRun.stdout, `round ${i}: list`).toContain(id);
      const logs = logsRun.stdout;
      expect(logs, `round ${i}: logs`).toContain(`hello ${i}`);
    }
  }, 600_000);

  it('a non-blocking invoke is listed as soon as its completion reached the controller', async () => {
    for (let i = 0; i < 5; i++) {
      const run = await wsk('action', 'invoke', 'hello', '-p', 'n', `nb${i}`);
      const id = /with id ([0-9a-f]{32})/.exec(run.stdout)?.[1];
      expect(id, run.stdout).toBeDefined();
      // No longer in flight = the completion arrived; from then on the list shows it, no retry.
      await eventually(async () => expect((await inFlight()).map((e) => e.activationId)).not.toContain(id));
      const listed = (await wsk('activation', 'list', '--limit', '5')).stdout;
      expect(listed).toContain(id);
    }
  }, 120_000);

  it('a running activation is in flight and 404 on OpenWhisk’s route; once done it is neither', async () => {
    const run = await wsk('action', 'invoke', 'sleepy', '-p', 'ms', '2500', '-p', '__palette_color', 'slow');
    const id = /with id ([0-9a-f]{32})/.exec(run.stdout)![1]!;
    const item = await eventually(async () => {
      const found = (await inFlight()).find((e) => e.activationId === id);
      expect(found).toBeDefined();
      return found!;
    }, 2_000);
    expect(item).toMatchObject({
      namespace: 'guest',
      action: 'guest/sleepy',
      color: 'slow',
      invoker: 0,
      reason: 'home',
    });
    expect(item.since).toBeLessThanOrEqual(Date.now());
    const running = await runWsk(wskLookup.path!, platform, join(workDir, 'wskprops'), [
      'activation',
      'get',
      id,
    ]);
    expect(running.code).not.toBe(0);
    expect(running.stderr).toMatch(/does not exist|not found/i);
    await eventually(
      async () => expect((await inFlight()).map((e) => e.activationId)).not.toContain(id),
      20_000,
    );
    const done = jsonAfterHeader((await wsk('activation', 'get', id)).stdout);
    expect(done).toMatchObject({ activationId: id, response: { result: { slept: 2500 } } });
    expect(annotationOf(done, 'palette.color')).toBe('slow');
  }, 60_000);
});

describe('the openwhisk npm client', () => {
  let ow: ReturnType<typeof openwhisk>;
  beforeAll(() => {
    ow = openwhisk({ apihost: platform.apiHost, api_key: platform.authKey });
  });

  it(`blocking invoke, then at once list, get, logs and result show it: ${rounds} times in a row`, async () => {
    for (let i = 0; i < rounds; i++) {
      const invoked = (await ow.actions.invoke({ name: 'hello', blocking: true, params: { n: i } })) as {
        activationId: string;
      };
      const id = invoked.activationId;
      const [first] = (await ow.activations.list({ limit: 1 })) as { activationId: string }[];
      expect(first?.activationId, `round ${i}: list`).toBe(id);
      const got = (await ow.activations.get({ name: id })) as { activationId: string };
      expect(got.activationId).toBe(id);
      const logs = (await ow.activations.logs({ name: id })) as { logs: string[] };
      expect(logs.logs.join('\n')).toContain(`hello ${i}`);
      const result = (await ow.activations.result({ name: id })) as { result: unknown };
      expect(result.result).toEqual({ n: i });
    }
  }, 300_000);

  it('records carry waitTime, kind, path, limits and palette.reason/hops/warm (cold then warm)', async () => {
    const put = await rest.call('PUT', '/namespaces/_/actions/fresh?overwrite=true', {
      exec: { kind: 'nodejs:20', code: helloCode },
    });
    expect(put.status).toBe(200);
    const records = [];
    for (let i = 0; i < 2; i++) {
      const { activationId } = (await ow.actions.invoke({
        name: 'fresh',
        blocking: true,
        params: { n: i },
      })) as {
        activationId: string;
      };
      // At once: this replica's own decision stands in for a placement record still in its batch.
      records.push(await ow.activations.get({ name: activationId }));
    }
    const [cold, warm] = records;
    for (const record of records) {
      expect(annotationOf(record, 'waitTime')).toEqual(expect.any(Number));
      expect(annotationOf(record, 'kind')).toBe('nodejs:20');
      expect(annotationOf(record, 'path')).toBe('guest/fresh');
      expect(annotationOf(record, 'limits')).toMatchObject({
        timeout: expect.any(Number),
        memory: expect.any(Number),
      });
      expect(annotationOf(record, 'palette.reason')).toBe('home');
      expect(annotationOf(record, 'palette.hops')).toBe(0);
    }
    expect(annotationOf(cold, 'initTime')).toEqual(expect.any(Number));
    expect(annotationOf(cold, 'palette.warm')).toBe(false);
    expect(annotationOf(warm, 'initTime')).toBeUndefined();
    expect(annotationOf(warm, 'palette.warm')).toBe(true);
  }, 60_000);
});

describe('the in-flight route refuses', () => {
  it('a missing or wrong key with 401, and another namespace with 403', async () => {
    expect((await palette('/namespaces/_/activations/inflight', null)).status).toBe(401);
    const [uuid] = platform.authKey.split(':');
    const wrong = await palette('/namespaces/_/activations/inflight', `${uuid}:not-the-key`);
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: expect.any(String), code: expect.any(String) });
    const other = await palette('/namespaces/whisk.system/activations/inflight');
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({
      error: 'The supplied authentication is not authorized to access this resource.',
    });
  });
});
