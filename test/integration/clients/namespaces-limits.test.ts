/**
 * Namespaces and limits against the real platform (controller core, Kafka from the global setup,
 * CouchDB, Node.js invokers), with the real `wsk` and the `openwhisk` npm client: `wsk namespace
 * list|get`, and namespaces whose `<namespace>/limits` document (subjects database, OpenWhisk's
 * field names) sets invocations per minute, concurrent invocations or fires per minute, answered
 * with OpenWhisk's 429 messages. Without `wsk` its part skips with the reason, unless CI=true.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import openwhisk from 'openwhisk';
import { describe, expect, it } from 'vitest';
import { subjectDocFor } from '../../../src/store/subject-store.js';
import { type WskRun, eventually, ok } from './wsk-run.js';
import { wskSuite } from './wsk-suite.js';

const echoCode = 'function main(params) { return params; }';
const sleepCode =
  'function main(p) { return new Promise((done) => setTimeout(() => done({ slept: p.ms }), p.ms)); }';
/** `wsk` exits with the HTTP status - 256. */
const exit429 = 429 - 256;

const suite = wskSuite({
  name: 'nslimits',
  invokers: 2,
  files: { 'echo.js': echoCode, 'sleep.js': sleepCode },
});
const { wskAs } = suite;
const wsk = (...args: string[]) => suite.wsk(...args);

/** A new namespace with its own key and `<namespace>/limits` document; answers its key. */
async function limitedNamespace(name: string, limits: Record<string, unknown>): Promise<string> {
  const auth = `${randomUUID()}:${randomBytes(32).toString('hex')}`;
  expect(await suite.platform().stores.subjects.create(subjectDocFor(name, auth))).toBe(true);
  await suite.platform().stores.subjects.putLimits(name, limits);
  return auth;
}

/**
 * OpenWhisk counts per wall-clock minute: a test that needs its calls in one minute starts them
 * early in one (at most a 15 s wait).
 */
async function earlyInMinute(): Promise<void> {
  const into = Date.now() % 60_000;
  if (into > 45_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
}

function refused(run: WskRun, message: string): void {
  expect(run.code, run.stdout).toBe(exit429);
  expect(run.stderr).toContain(message);
}

suite.describeWithWsk('the real wsk', () => {
  it('wsk namespace list shows the namespace; wsk namespace get lists its entities', async () => {
    expect(ok(await wsk('namespace', 'list')).stdout).toMatch(/^namespaces\s+guest\s*$/);
    ok(await wsk('action', 'create', 'nsecho', suite.file('echo.js')));
    ok(await wsk('package', 'create', 'nspkg'));
    ok(await wsk('trigger', 'create', 'nstrig'));
    ok(await wsk('rule', 'create', 'nsrule', 'nstrig', 'nsecho'));
    const out = ok(await wsk('namespace', 'get')).stdout;
    expect(out).toMatch(/Entities in namespace: /);
    expect(out).toMatch(/packages\s+\/guest\/nspkg\s+private/);
    expect(out).toMatch(/actions\s+\/guest\/nsecho\s+private nodejs:20/);
    expect(out).toMatch(/triggers\s+\/guest\/nstrig\s+private/);
    expect(out).toMatch(/rules\s+\/guest\/nsrule\s+private\s+active/);
  }, 60_000);

  it("invocationsPerMinute 3: the 4th invoke in the minute is a 429 with OpenWhisk's message", async () => {
    const auth = await limitedNamespace('limrate', { invocationsPerMinute: 3 });
    ok(await wskAs(auth, 'action', 'create', 'echo', suite.file('echo.js')));
    await earlyInMinute();
    for (let i = 0; i < 3; i++) ok(await wskAs(auth, 'action', 'invoke', 'echo', '-p', 'i', String(i)));
    refused(
      await wskAs(auth, 'action', 'invoke', 'echo'),
      'Too many requests in the last minute (count: 4, allowed: 3).',
    );
    // Other namespaces keep their own count.
    ok(await wsk('action', 'invoke', 'nsecho'));
  }, 90_000);

  it('concurrentInvocations 1: a 429 while one blocking invoke is in flight, room again after it', async () => {
    const auth = await limitedNamespace('limconc', { concurrentInvocations: 1 });
    ok(await wskAs(auth, 'action', 'create', 'sleep', suite.file('sleep.js')));
    const first = wskAs(auth, 'action', 'invoke', 'sleep', '-p', 'ms', '4000', '--result');
    await eventually(async () => expect(suite.platform().controller.activeActivationsFor('limconc')).toBe(1));
    refused(
      await wskAs(auth, 'action', 'invoke', 'sleep', '-p', 'ms', '1'),
      'Too many concurrent requests in flight (count: 1, allowed: 1).',
    );
    expect(JSON.parse(ok(await first).stdout)).toEqual({ slept: 4000 });
    await eventually(async () => expect(suite.platform().controller.activeActivationsFor('limconc')).toBe(0));
    expect(
      JSON.parse(ok(await wskAs(auth, 'action', 'invoke', 'sleep', '-p', 'ms', '1', '-r')).stdout),
    ).toEqual({ slept: 1 });
  }, 90_000);

  it('0 blocks: invocationsPerMinute 0 refuses the first invoke; firesPerMinute 0 the first fire', async () => {
    const auth = await limitedNamespace('limzero', { invocationsPerMinute: 0, firesPerMinute: 0 });
    ok(await wskAs(auth, 'action', 'create', 'echo', suite.file('echo.js')));
    ok(await wskAs(auth, 'trigger', 'create', 't'));
    refused(
      await wskAs(auth, 'action', 'invoke', 'echo', '--result'),
      'Too many requests in the last minute (count: 1, allowed: 0).',
    );
    refused(
      await wskAs(auth, 'trigger', 'fire', 't'),
      'Too many requests in the last minute (count: 1, allowed: 0).',
    );
  }, 60_000);

  it('a sequence counts once (its components are not charged), as OpenWhisk', async () => {
    const auth = await limitedNamespace('limseq', { invocationsPerMinute: 2 });
    ok(await wskAs(auth, 'action', 'create', 'e', suite.file('echo.js')));
    ok(await wskAs(auth, 'action', 'create', 's', '--sequence', 'e,e,e'));
    await earlyInMinute();
    expect(JSON.parse(ok(await wskAs(auth, 'action', 'invoke', 's', '-p', 'x', '1', '-r')).stdout)).toEqual({
      x: 1,
    });
    ok(await wskAs(auth, 'action', 'invoke', 's', '-r'));
    refused(
      await wskAs(auth, 'action', 'invoke', 's', '-r'),
      'Too many requests in the last minute (count: 3, allowed: 2).',
    );
  }, 90_000);
});

describe('web actions', () => {
  it("count against the owner's namespace: its invocationsPerMinute 1 refuses the second call", async () => {
    const auth = await limitedNamespace('limweb', { invocationsPerMinute: 1 });
    const ow = openwhisk({ apihost: suite.platform().apiHost, api_key: auth });
    await ow.actions.create({ name: 'page', action: echoCode, annotations: { 'web-export': true } });
    await earlyInMinute();
    const url = `${suite.platform().apiHost}/api/v1/web/limweb/default/page.json?a=1`;
    const first = await fetch(url);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ a: '1' });
    const second = await fetch(url);
    expect(second.status).toBe(429);
    expect(await second.json()).toEqual({
      error: 'Too many requests in the last minute (count: 2, allowed: 1).',
      code: expect.any(String),
    });
  }, 60_000);
});

describe('the openwhisk npm client', () => {
  it('namespaces.list and namespaces.get', async () => {
    const ow = openwhisk({ apihost: suite.platform().apiHost, api_key: suite.platform().authKey });
    expect(await ow.namespaces.list()).toEqual(['guest']);
    await ow.actions.create({ name: 'npmnsecho', action: echoCode });
    const entities = (await ow.namespaces.get({ namespace: '_' })) as unknown as Record<
      string,
      { name: string }[]
    >;
    expect(Object.keys(entities)).toEqual(['actions', 'packages', 'triggers', 'rules']);
    expect(entities.actions!.map((a) => a.name)).toContain('npmnsecho');
  });

  it("a 429 rejects with OpenWhisk's message; GET .../limits shows the namespace's limits", async () => {
    const auth = await limitedNamespace('limnpm', { invocationsPerMinute: 1, concurrentInvocations: 7 });
    const ow = openwhisk({ apihost: suite.platform().apiHost, api_key: auth });
    await ow.actions.create({ name: 'echo', action: echoCode });
    await earlyInMinute();
    expect(await ow.actions.invoke({ name: 'echo', params: { a: 1 }, blocking: true, result: true })).toEqual(
      {
        a: 1,
      },
    );
    await expect(ow.actions.invoke({ name: 'echo' })).rejects.toMatchObject({
      statusCode: 429,
      message: expect.stringContaining('Too many requests in the last minute (count: 2, allowed: 1).'),
    });
    const limits = await fetch(`${suite.platform().apiHost}/api/v1/namespaces/_/limits`, {
      headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
    });
    expect(await limits.json()).toMatchObject({
      invocationsPerMinute: 1,
      concurrentInvocations: 7,
      firesPerMinute: suite.platform().config.limitFiresPerMinute,
      maxActionInstances: 7,
    });
  }, 60_000);

  it('concurrentInvocations 0 blocks every invoke', async () => {
    const auth = await limitedNamespace('limnpm0', { concurrentInvocations: 0 });
    const ow = openwhisk({ apihost: suite.platform().apiHost, api_key: auth });
    await ow.actions.create({ name: 'echo', action: echoCode });
    await expect(ow.actions.invoke({ name: 'echo' })).rejects.toMatchObject({
      statusCode: 429,
      message: expect.stringContaining('Too many concurrent requests in flight (count: 0, allowed: 0).'),
    });
  });
});
