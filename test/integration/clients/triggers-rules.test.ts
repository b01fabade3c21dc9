/**
 * Triggers and rules against the real platform (controller core, Kafka, CouchDB, real invokers):
 * the real `wsk` CLI and the `openwhisk` npm client, and every trigger and rule document and trigger
 * record judged by OpenWhisk's own parsers. Without `wsk` or the parsers those parts skip and say
 * why, unless CI=true, where that is a failure (DECISIONS "The two judges in CI").
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openwhisk from 'openwhisk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/platform/platform.js';
import { owcParse, owcSkipReason } from '../../support/owc.js';
import { startTestPlatform } from '../../support/platform.js';
import { findWsk } from './wsk-binary.js';
import { type WskRun, annotationOf, eventually, jsonAfterHeader, runWsk } from './wsk-run.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const wskLookup = findWsk(root);
const wskMissing = 'reason' in wskLookup ? wskLookup.reason : undefined;
if (wskMissing) {
  if (process.env.CI === 'true') throw new Error(`CI=true but wsk is missing: ${wskMissing}`);
  console.warn(`SKIPPED wsk trigger/rule tests: ${wskMissing}`);
}
const owcMissing = owcSkipReason();

const echoCode = `function main(params) { return { params }; }`;

let platform: Platform;
let workDir: string;

beforeAll(async () => {
  platform = await startTestPlatform('trigrules', { invokers: 2 });
  workDir = mkdtempSync(join(tmpdir(), 'palette-triggers-'));
  writeFileSync(join(workDir, 'echo.js'), echoCode);
  writeFileSync(join(workDir, 'wskprops'), '');
}, 240_000);

afterAll(async () => {
  await platform?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

async function ok(...args: string[]): Promise<string> {
  const run = await wsk(...args);
  if (run.code !== 0) throw new Error(`wsk ${args.join(' ')}: exit ${run.code}: ${run.stderr || run.stdout}`);
  return run.stdout;
}

/** `wsk activation get`, once the record and its placement (palette.policy) are both readable. */
async function placedRecord(id: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const record = jsonAfterHeader(await ok('activation', 'get', id));
    if (annotationOf(record, 'palette.policy') === undefined) throw new Error(`${id} has no placement yet`);
    return record;
  });
}

/** The stored document, as CouchDB returns it, for OpenWhisk's parsers. */
async function storedEntity(kind: 'trigger' | 'rule', name: string): Promise<Record<string, unknown>> {
  const store = kind === 'trigger' ? platform.stores.triggers : platform.stores.rules;
  const doc = await store.get(`guest/${name}`);
  if (!doc) throw new Error(`${kind} ${name} not stored`);
  return doc;
}

function judge(
  kind: 'trigger' | 'rule' | 'whisk-activation',
  docs: readonly Record<string, unknown>[],
): void {
  if (owcMissing) return;
  const verdicts = owcParse(
    kind,
    docs.map((d) => JSON.stringify(d)),
  );
  verdicts.forEach((v, i) => expect(v.ok, `${kind} ${JSON.stringify(docs[i])}: ${v.output}`).toBe(true));
}

/** The real wsk against this file's platform, with this file's own config file. */
const wsk = (...args: string[]): Promise<WskRun> =>
  runWsk(wskLookup.path!, platform, join(workDir, 'wskprops'), args);

describe.skipIf(wskMissing !== undefined)('the real wsk', () => {
  let triggerActivation = '';

  it('creates an action, a colored trigger and a rule', async () => {
    expect(await ok('action', 'create', 'echo', join(workDir, 'echo.js'))).toMatch(/ok: created action echo/);
    expect(
      await ok('trigger', 'create', 't', '-p', 'name', 'trig', '-a', '__palette_color', 'tcolor'),
    ).toMatch(/ok: created trigger t/);
    expect(await ok('rule', 'create', 'r', 't', 'echo')).toMatch(/ok: created rule r/);
    const rule = jsonAfterHeader(await ok('rule', 'get', 'r'));
    expect(rule).toMatchObject({ name: 'r', status: 'active', trigger: { path: 'guest', name: 't' } });
    const trigger = jsonAfterHeader(await ok('trigger', 'get', 't'));
    expect(trigger.rules).toEqual({
      'guest/r': { action: { name: 'echo', path: 'guest' }, status: 'active' },
    });
    expect(await ok('rule', 'list')).toMatch(/\/guest\/r\s+private\s+active/);
    expect(await ok('trigger', 'list')).toMatch(/\/guest\/t/);
    judge('trigger', [await storedEntity('trigger', 't')]);
    judge('rule', [await storedEntity('rule', 'r')]);
  });

  it("fires: the action runs with the merged parameters, the trigger as cause and the trigger's color", async () => {
    const out = await ok('trigger', 'fire', 't', '-p', 'a', '1');
    const match = /ok: triggered \/_\/t with id ([0-9a-f]{32})/.exec(out);
    expect(match, out).not.toBeNull();
    triggerActivation = match![1]!;
    const record = await eventually(async () =>
      jsonAfterHeader(await ok('activation', 'get', triggerActivation)),
    );
    expect(record).toMatchObject({ name: 't', activationId: triggerActivation, end: 0 });
    expect((record.response as { result: unknown }).result).toEqual({ a: 1 });
    expect(annotationOf(record, 'palette.color')).toBe('tcolor');
    const logs = (record.logs as string[]).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ statusCode: 0, success: true, rule: 'guest/r', action: 'guest/echo' });
    const actionId = String(logs[0]!.activationId);

    const action = await placedRecord(actionId);
    expect(action.cause).toBe(triggerActivation);
    expect(annotationOf(action, 'palette.color')).toBe('tcolor');
    const params = (action.response as { result: { params: Record<string, unknown> } }).result.params;
    expect(params).toMatchObject({ a: 1, name: 'trig' });
    expect(params).not.toHaveProperty('__palette_color');

    const placements = await platform.stores.placements.getMany([triggerActivation, actionId]);
    const own = placements.get(triggerActivation) as Record<string, unknown> | undefined;
    expect(own).toMatchObject({ kind: 'trigger', color: 'tcolor' });
    expect(own).not.toHaveProperty('invoker');
    expect(placements.get(actionId)).toMatchObject({ cause: triggerActivation, color: 'tcolor' });

    const stored = await platform.stores.activations.get('guest', triggerActivation);
    judge('whisk-activation', [stored!]);
  });

  it("a payload color wins over the trigger's annotation", async () => {
    const out = await ok('trigger', 'fire', 't', '-p', '__palette_color', 'pcolor');
    const id = /with id ([0-9a-f]{32})/.exec(out)![1]!;
    const record = await placedRecord(id);
    expect(annotationOf(record, 'palette.color')).toBe('pcolor');
    const actionId = String(
      (JSON.parse((record.logs as string[])[0]!) as { activationId: string }).activationId,
    );
    const action = await placedRecord(actionId);
    expect(annotationOf(action, 'palette.color')).toBe('pcolor');
  });

  it('disables, fires nothing, enables, deletes the rule', async () => {
    expect(await ok('rule', 'disable', 'r')).toMatch(/ok: disabled rule r/);
    expect(jsonAfterHeader(await ok('rule', 'get', 'r')).status).toBe('inactive');
    expect(await ok('trigger', 'fire', 't')).toMatch(/ok: triggered \/_\/t with id\s*$/);
    expect(await ok('rule', 'enable', 'r')).toMatch(/ok: enabled rule r/);
    expect(jsonAfterHeader(await ok('rule', 'get', 'r')).status).toBe('active');
    judge('trigger', [await storedEntity('trigger', 't')]);
    expect(await ok('rule', 'delete', 'r')).toMatch(/ok: deleted rule r/);
    // The trigger keeps an empty rules map; wsk leaves an empty map out when it prints.
    expect(Object.keys(jsonAfterHeader(await ok('trigger', 'get', 't')).rules ?? {})).toEqual([]);
    expect((await storedEntity('trigger', 't')).rules).toEqual({});
    judge('trigger', [await storedEntity('trigger', 't')]);
  });

  it('refuses a rule naming a missing action or trigger, and writes nothing', async () => {
    const noAction = await wsk('rule', 'create', 'r2', 't', 'nosuch');
    expect(noAction.code).not.toBe(0);
    expect(noAction.stderr).toMatch(/action \/guest\/nosuch does not exist/);
    const noTrigger = await wsk('rule', 'create', 'r2', 'nosuch', 'echo');
    expect(noTrigger.stderr).toMatch(/trigger \/guest\/nosuch does not exist/);
    expect(await platform.stores.rules.get('guest/r2')).toBeUndefined();
  });

  it("a trigger with a missing feed ends with the CLI's error and no trigger left", async () => {
    const run = await wsk('trigger', 'create', 'f', '--feed', 'nosuchfeed');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/Unable to create trigger 'f': Unable to configure feed/);
    expect(await platform.stores.triggers.get('guest/f')).toBeUndefined();
    expect((await wsk('trigger', 'get', 'f')).code).not.toBe(0);
  });

  it('deletes the trigger', async () => {
    expect(await ok('trigger', 'delete', 't')).toMatch(/ok: deleted trigger t/);
    expect(await platform.stores.triggers.get('guest/t')).toBeUndefined();
  });
});

describe('the openwhisk npm client', () => {
  const client = () =>
    openwhisk({ apihost: platform.apiHost, api_key: platform.authKey, ignore_certs: true, namespace: '_' });

  it('creates a trigger and a rule, fires, disables, enables and deletes', async () => {
    const ow = client();
    await ow.actions.create({ name: 'npmecho', action: echoCode });
    const trigger = await ow.triggers.create({
      name: 'nt',
      trigger: { parameters: [{ key: 'x', value: 1 }] },
    });
    expect(trigger).toMatchObject({ name: 'nt', parameters: [{ key: 'x', value: 1 }] });
    const rule = await ow.rules.create({ name: 'nr', trigger: 'nt', action: 'npmecho' });
    expect(rule).toMatchObject({ name: 'nr', status: 'active' });
    const triggers = (await ow.triggers.list()) as unknown as { name: string }[];
    expect(triggers.map((t) => t.name)).toContain('nt');
    const rules = (await ow.rules.list()) as unknown as { name: string }[];
    expect(rules.map((r) => r.name)).toContain('nr');
    await expect(ow.rules.create({ name: 'nr2', trigger: 'nt', action: 'nosuch' })).rejects.toMatchObject({
      statusCode: 400,
      message: expect.stringContaining('action /guest/nosuch does not exist'),
    });
    await expect(ow.rules.get({ name: 'nr2' })).rejects.toMatchObject({ statusCode: 404 });
    judge('trigger', [await storedEntity('trigger', 'nt')]);
    judge('rule', [await storedEntity('rule', 'nr')]);

    const fired = (await ow.triggers.invoke({ name: 'nt', params: { y: 2 } })) as { activationId: string };
    expect(fired.activationId).toMatch(/^[0-9a-f]{32}$/);
    const record = await eventually(() => ow.activations.get({ name: fired.activationId }));
    const line = JSON.parse((record.logs as string[])[0]!) as { activationId: string; rule: string };
    expect(line.rule).toBe('guest/nr');
    const action = (await eventually(() => ow.activations.get({ name: line.activationId }))) as unknown as {
      cause?: string;
      response: { result: { params: unknown } };
    };
    expect(action.cause).toBe(fired.activationId);
    expect(action.response.result.params).toMatchObject({ x: 1, y: 2 });

    await ow.rules.disable({ name: 'nr' });
    expect(await ow.rules.get({ name: 'nr' })).toMatchObject({ status: 'inactive' });
    await ow.rules.enable({ name: 'nr' });
    expect(await ow.rules.get({ name: 'nr' })).toMatchObject({ status: 'active' });
    expect(await ow.rules.delete({ name: 'nr' })).toMatchObject({ name: 'nr', status: 'inactive' });
    expect(await ow.triggers.delete({ name: 'nt' })).toMatchObject({ name: 'nt' });
    await expect(ow.triggers.get({ name: 'nt' })).rejects.toMatchObject({ statusCode: 404 });
    await expect(ow.rules.create({ name: 'nr', trigger: 'nt', action: 'npmecho' })).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});
