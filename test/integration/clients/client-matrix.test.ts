/**
 * The real-client compatibility matrix: the real `wsk` CLI and the `openwhisk` npm client against
 * the real platform (controller core, Kafka or the in-process bus, CouchDB, real invokers running
 * Node.js actions in child processes). Every command is one test and one row of
 * results/tests/client-matrix.md. Without a `wsk` binary the wsk column is skipped with the reason,
 * unless CI=true, where that is a failure (DECISIONS "The two judges in CI").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openwhisk from 'openwhisk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/platform/platform.js';
import { startTestPlatform } from '../../support/platform.js';
import { MatrixReport } from './matrix-report.js';
import { findWsk } from './wsk-binary.js';
import { type WskRun, annotationOf, eventually, jsonAfterHeader, ok, runWsk } from './wsk-run.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const report = new MatrixReport(['wsk', 'openwhisk npm']);
const wskLookup = findWsk(root);
const wskMissing = 'reason' in wskLookup ? wskLookup.reason : '';
const inCi = process.env.CI === 'true';

const helloCode = `function main(params) {
  console.log('hello ' + params.name);
  return { greeting: 'Hello ' + (params.name || 'World') };
}`;
const helloV2 = helloCode.replace("'Hello '", "'Hi '");
const failCode = `function main() { return { error: 'boom' }; }`;

let platform: Platform;
let workDir: string;

beforeAll(async () => {
  // Kafka from the global setup, so the invokers run as their own OS processes.
  platform = await startTestPlatform('clients', { invokers: 2 });
  workDir = mkdtempSync(join(tmpdir(), 'palette-matrix-'));
  writeFileSync(join(workDir, 'hello.js'), helloCode);
  writeFileSync(join(workDir, 'hello2.js'), helloV2);
  writeFileSync(join(workDir, 'fail.js'), failCode);
  writeFileSync(join(workDir, 'wskprops'), '');
}, 240_000);

afterAll(async () => {
  const wskInfo = wskLookup.path
    ? `\`wsk\` from ${wskLookup.source} (${wskVersion()})`
    : `\`wsk\` not available: ${wskMissing}`;
  const npmVersion = (
    JSON.parse(readFileSync(join(root, 'node_modules/openwhisk/package.json'), 'utf8')) as { version: string }
  ).version;
  report.write(
    join(root, 'results/tests/client-matrix.md'),
    [
      '# Client compatibility matrix',
      '',
      `Written by \`test/integration/clients/client-matrix.test.ts\` on ${new Date().toISOString()}, against the real platform`,
      `(\`startPlatform\`: controller core, ${platformShape()}, CouchDB). Rows are named by the \`wsk\``,
      `command; the npm column runs the equivalent \`openwhisk@${npmVersion}\` call. ${wskInfo}.`,
    ].join('\n'),
  );
  await platform?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

function platformShape(): string {
  if (!platform) return 'platform did not start';
  const bus = platform.config.kafkaBrokers?.length ? 'Kafka' : 'the in-process bus';
  const processes = [...platform.invokers.values()].some((i) => i.process !== undefined);
  return `${bus}, ${platform.invokers.size} invokers ${processes ? 'as OS processes' : 'in process'} running Node.js actions in child processes`;
}

function wskVersion(): string {
  try {
    const out = execFileSync(wskLookup.path!, ['property', 'get', '--cliversion'], {
      encoding: 'utf8',
      env: { ...process.env, WSK_CONFIG_FILE: join(workDir ?? tmpdir(), 'wskprops') },
    });
    return out.trim().replace(/\s+/g, ' ');
  } catch {
    return 'version unknown';
  }
}

const wskCommands = [
  'action create',
  'action create (exists: 409)',
  'action update',
  'action get',
  'action list',
  'action invoke',
  'action invoke -b',
  'action invoke -r',
  'action invoke -b -p __palette_color',
  'action invoke -r -p __palette_color',
  'action invoke -p __palette_color <invalid> (400)',
  'action invoke -r <failing action> (502)',
  'activation list',
  'activation get',
  'activation logs',
  'activation result',
  'activation poll',
  'action delete',
  'namespace list',
] as const;
type Command = (typeof wskCommands)[number];

/** The real wsk against this file's platform, with this file's own config file. */
const wsk = (...args: string[]): Promise<WskRun> =>
  runWsk(wskLookup.path!, platform, join(workDir, 'wskprops'), args);

describe.skipIf(!wskLookup.path && !inCi)('wsk CLI', () => {
  const action = 'mx-wsk-hello';
  const failing = 'mx-wsk-fail';
  let blockingId = '';
  let coloredId = '';
  const step = (command: Command, run: () => Promise<void>, timeout = 90_000) =>
    it(command, () => report.step('wsk', command, run), timeout);

  it('has a wsk binary', () => {
    if (!wskLookup.path) throw new Error(`CI=true and no wsk: ${wskMissing}`);
  });

  step('action create', async () => {
    const run = ok(await wsk('action', 'create', action, join(workDir, 'hello.js'), '-p', 'name', 'World'));
    expect(run.stdout).toContain(`ok: created action ${action}`);
    ok(await wsk('action', 'create', failing, join(workDir, 'fail.js')));
  });

  step('action create (exists: 409)', async () => {
    const run = await wsk('action', 'create', action, join(workDir, 'hello.js'));
    expect(run.code).toBe(409 - 256);
    expect(run.stderr).toContain('resource already exists');
  });

  step('action update', async () => {
    const run = ok(await wsk('action', 'update', action, join(workDir, 'hello2.js'), '--kind', 'nodejs:20'));
    expect(run.stdout).toContain(`ok: updated action ${action}`);
  });

  step('action get', async () => {
    const run = ok(await wsk('action', 'get', action));
    expect(run.stdout).toContain(`ok: got action ${action}`);
    const got = jsonAfterHeader(run.stdout);
    expect(got).toMatchObject({ name: action, namespace: 'guest', version: '0.0.2' });
    expect(annotationOf(got, 'exec')).toBe('nodejs:20');
  });

  step('action list', async () => {
    const run = ok(await wsk('action', 'list'));
    expect(run.stdout).toMatch(new RegExp(`/guest/${action}\\s+private nodejs:20`));
  });

  step('action invoke', async () => {
    const run = ok(await wsk('action', 'invoke', action, '-p', 'name', 'Bob'));
    expect(run.stdout).toMatch(new RegExp(`ok: invoked /_/${action} with id [0-9a-f]{32}`));
  });

  step('action invoke -b', async () => {
    const run = ok(await wsk('action', 'invoke', action, '-b', '-p', 'name', 'Bob'));
    const activation = jsonAfterHeader(run.stdout);
    expect(activation).toMatchObject({
      name: action,
      response: { status: 'success', success: true, result: { greeting: 'Hi Bob' } },
    });
    blockingId = String(activation.activationId);
  });

  step('action invoke -r', async () => {
    const run = ok(await wsk('action', 'invoke', action, '-r', '-p', 'name', 'Bob'));
    expect(JSON.parse(run.stdout)).toEqual({ greeting: 'Hi Bob' });
  });

  step('action invoke -b -p __palette_color', async () => {
    const run = ok(
      await wsk('action', 'invoke', action, '-b', '-p', 'name', 'Eve', '-p', '__palette_color', 'user-42'),
    );
    const activation = jsonAfterHeader(run.stdout);
    expect(activation).toMatchObject({ response: { success: true, result: { greeting: 'Hi Eve' } } });
    coloredId = String(activation.activationId);
    const record = await eventually(async () => {
      const got = jsonAfterHeader(ok(await wsk('activation', 'get', coloredId)).stdout);
      expect(annotationOf(got, 'palette.color')).toBe('user-42');
      return got;
    });
    expect(typeof annotationOf(record, 'palette.invoker')).toBe('number');
  });

  step('action invoke -r -p __palette_color', async () => {
    const run = ok(
      await wsk('action', 'invoke', action, '-r', '-p', 'name', 'Eve', '-p', '__palette_color', 'user-42'),
    );
    expect(JSON.parse(run.stdout)).toEqual({ greeting: 'Hi Eve' });
  });

  step('action invoke -p __palette_color <invalid> (400)', async () => {
    // wsk sends a parameter that parses as JSON as that JSON: here the number 42.
    const run = await wsk('action', 'invoke', action, '-b', '-p', '__palette_color', '42');
    expect(run.code).toBe(400 - 256);
    expect(run.stderr).toContain('__palette_color');
  });

  step('action invoke -r <failing action> (502)', async () => {
    const run = await wsk('action', 'invoke', failing, '-r');
    expect(run.code).toBe(502 - 256);
    expect(run.stderr).toContain('boom');
  });

  step('activation list', async () => {
    await eventually(async () => {
      const run = ok(await wsk('activation', 'list'));
      expect(run.stdout).toContain(blockingId);
    });
  });

  step('activation get', async () => {
    const got = await eventually(async () =>
      jsonAfterHeader(ok(await wsk('activation', 'get', blockingId)).stdout),
    );
    expect(got).toMatchObject({ activationId: blockingId, name: action, response: { success: true } });
  });

  step('activation logs', async () => {
    const run = await eventually(async () => {
      const r = ok(await wsk('activation', 'logs', blockingId));
      expect(r.stdout).toContain('hello Bob');
      return r;
    });
    expect(run.stdout).toMatch(/\d{4}-\d\d-\d\dT[\d:.]+Z\s+stdout: hello Bob/);
  });

  step('activation result', async () => {
    const run = ok(await wsk('activation', 'result', blockingId));
    expect(JSON.parse(run.stdout)).toEqual({ greeting: 'Hi Bob' });
  });

  step('activation poll', async () => {
    const run = ok(await wsk('activation', 'poll', action, '--since-minutes', '10', '--exit', '3'));
    expect(run.stdout).toContain('Polling for activation logs');
    expect(run.stdout).toContain(`Activation: '${action}' (${blockingId})`);
    expect(run.stdout).toContain('hello Bob');
  });

  step('action delete', async () => {
    const run = ok(await wsk('action', 'delete', action));
    expect(run.stdout).toContain(`ok: deleted action ${action}`);
    const gone = await wsk('action', 'get', action);
    expect(gone.code).toBe(404 - 256);
    expect(gone.stderr).toContain('The requested resource does not exist.');
    ok(await wsk('action', 'delete', failing));
  });

  step('namespace list', async () => {
    const run = ok(await wsk('namespace', 'list'));
    expect(run.stdout.split('\n').map((l) => l.trim())).toContain('guest');
  });
});

if (!wskLookup.path && !inCi) {
  console.warn(`client matrix: wsk column skipped: ${wskMissing}`);
  for (const command of wskCommands) report.record('wsk', command, 'skipped', wskMissing);
}

interface ClientError {
  statusCode?: number;
  message: string;
  error?: unknown;
}

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  try {
    await promise;
  } catch (err) {
    return err as ClientError;
  }
  throw new Error('expected the call to fail');
}

describe('openwhisk npm client', () => {
  const action = 'mx-npm-hello';
  const failing = 'mx-npm-fail';
  let ow: ReturnType<typeof openwhisk>;
  let blockingId = '';
  const step = (command: Command, run: () => Promise<void>, timeout = 90_000) =>
    it(command, () => report.step('openwhisk npm', command, run), timeout);

  beforeAll(() => {
    ow = openwhisk({ apihost: platform.apiHost, api_key: platform.authKey });
  });

  step('action create', async () => {
    const created = await ow.actions.create({ name: action, action: helloCode, params: { name: 'World' } });
    expect(created).toMatchObject({ name: action, namespace: 'guest', version: '0.0.1' });
    await ow.actions.create({ name: failing, action: failCode });
  });

  step('action create (exists: 409)', async () => {
    const err = await rejection(ow.actions.create({ name: action, action: helloCode }));
    expect(err.statusCode).toBe(409);
  });

  step('action update', async () => {
    const updated = await ow.actions.update({ name: action, action: helloV2, kind: 'nodejs:20' });
    expect(updated).toMatchObject({ version: '0.0.2', exec: { kind: 'nodejs:20' } });
  });

  step('action get', async () => {
    const got = await ow.actions.get(action);
    expect(got).toMatchObject({ name: action, exec: { kind: 'nodejs:20', code: helloV2 } });
  });

  step('action list', async () => {
    const list = await ow.actions.list({ limit: 200 });
    expect(list.map((a) => a.name)).toContain(action);
  });

  step('action invoke', async () => {
    const accepted = await ow.actions.invoke({ name: action, params: { name: 'Bob' } });
    expect(accepted.activationId).toMatch(/^[0-9a-f]{32}$/);
  });

  step('action invoke -b', async () => {
    const activation = await ow.actions.invoke({ name: action, params: { name: 'Bob' }, blocking: true });
    expect(activation).toMatchObject({
      name: action,
      response: { success: true, result: { greeting: 'Hi Bob' } },
    });
    blockingId = activation.activationId;
  });

  step('action invoke -r', async () => {
    const result = await ow.actions.invoke({
      name: action,
      params: { name: 'Bob' },
      blocking: true,
      result: true,
    });
    expect(result).toEqual({ greeting: 'Hi Bob' });
  });

  step('action invoke -b -p __palette_color', async () => {
    const activation = await ow.actions.invoke({
      name: action,
      params: { name: 'Eve', __palette_color: 'user-42' },
      blocking: true,
    });
    expect(activation.response?.result).toEqual({ greeting: 'Hi Eve' });
    await eventually(async () => {
      const got = (await ow.activations.get(activation.activationId)) as unknown as Record<string, unknown>;
      expect(annotationOf(got, 'palette.color')).toBe('user-42');
    });
  });

  step('action invoke -r -p __palette_color', async () => {
    const result = await ow.actions.invoke({
      name: action,
      params: { name: 'Eve', __palette_color: 'user-42' },
      blocking: true,
      result: true,
    });
    expect(result).toEqual({ greeting: 'Hi Eve' });
  });

  step('action invoke -p __palette_color <invalid> (400)', async () => {
    const err = await rejection(
      ow.actions.invoke({ name: action, params: { __palette_color: 42 }, blocking: true }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain('__palette_color');
  });

  step('action invoke -r <failing action> (502)', async () => {
    const err = await rejection(ow.actions.invoke({ name: failing, blocking: true, result: true }));
    expect(err.statusCode).toBe(502);
    expect(err.message).toContain('boom');
  });

  step('activation list', async () => {
    await eventually(async () => {
      const list = await ow.activations.list({ name: action, limit: 50 });
      expect(list.map((a) => a.activationId)).toContain(blockingId);
    });
  });

  step('activation get', async () => {
    const got = await eventually(() => ow.activations.get(blockingId));
    expect(got).toMatchObject({ activationId: blockingId, response: { success: true } });
  });

  step('activation logs', async () => {
    const logs = await eventually(async () => {
      const l = await ow.activations.logs({ name: blockingId });
      expect(l.logs.join('\n')).toContain('hello Bob');
      return l;
    });
    expect(logs.logs[0]).toMatch(/stdout: hello Bob/);
  });

  step('activation result', async () => {
    const result = (await ow.activations.result({ name: blockingId })) as unknown as Record<string, unknown>;
    expect(result).toMatchObject({ result: { greeting: 'Hi Bob' }, success: true, status: 'success' });
  });

  step('activation poll', async () => {
    // The npm client has no poll: this is what `wsk activation poll` does, through the client's list.
    const since = Date.now();
    const { activationId } = await ow.actions.invoke({ name: action, params: { name: 'Poll' } });
    await eventually(async () => {
      const page = await ow.activations.list({ name: action, since, docs: true, limit: 0 });
      expect(page.map((a) => a.activationId)).toContain(activationId);
    }, 30_000);
  });

  step('action delete', async () => {
    const deleted = await ow.actions.delete(action);
    expect(deleted).toMatchObject({ name: action });
    const err = await rejection(ow.actions.get(action));
    expect(err.statusCode).toBe(404);
    await ow.actions.delete(failing);
  });

  step('namespace list', async () => {
    expect(await ow.namespaces.list()).toContain('guest');
  });
});
