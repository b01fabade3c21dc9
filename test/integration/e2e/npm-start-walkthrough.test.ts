/**
 * Issue A's "done when", as a new user does it: `npm start` (src/platform/start.ts, spawned with none
 * of the test settings, so with its own defaults: embedded pouchdb-server, 4 invokers, 127.0.0.1),
 * the `wsk property set` line it prints, then the real `wsk` through packages, a binding, the
 * catalog, a sequence, a web action, a trigger and its rule, `activation get` of the sequence and of
 * the trigger, and a 429 once the fires-per-minute limit (the one setting given here) is passed.
 * The other client suites run the same objects in depth against an in-process platform; this one
 * proves the entry point an operator runs serves them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/platform/embedded-couch.js';
import { findWsk } from '../clients/wsk-binary.js';
import { annotationOf, eventually, jsonAfterHeader, ok, runWsk, type WskRun } from '../clients/wsk-run.js';
import { stopChild } from '../../../src/platform/stop-child.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const lookup = findWsk(root);
const missing = 'reason' in lookup ? lookup.reason : undefined;
const inCi = process.env.CI === 'true';
/** npm start's own, with one limit lowered so the walk can reach a 429. */
const firesPerMinute = 6;

/** This process's environment without the platform's settings (the global setup sets some). */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!/^(PALETTE_|KAFKA_|COUCHDB_|DB_PREFIX|WSK_)/.test(name)) env[name] = value;
  return env;
}

interface Started {
  child: ChildProcess;
  apiHost: string;
  authKey: string;
}

/** Spawns `npm start` and waits (bounded) for the `wsk property set` line it prints when ready. */
function npmStart(port: number): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/platform/start.ts'], {
    cwd: root,
    env: {
      ...userEnv(),
      PALETTE_PORT: String(port),
      PALETTE_LIMIT_FIRES_PER_MINUTE: String(firesPerMinute),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    // npm start itself waits up to 120 s for healthy invokers once CouchDB is up: let it say why.
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // its pouchdb-server and invokers exit with it (their IPC channel closes)
      reject(new Error(`npm start printed no wsk line in 170 s:\n${output}`));
    }, 170_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = /wsk property set --apihost (\S+) --auth (\S+)\r?\n/.exec(output);
      if (line) {
        clearTimeout(timer);
        resolve({ child, apiHost: line[1]!, authKey: line[2]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited ${code}:\n${output}`));
    });
  });
}

/** The activation id in `ok: invoked /_/x with id <id>` or `ok: triggered /_/t with id <id>`. */
function activationIdOf(run: WskRun): string {
  const id = /with id ([0-9a-f]{32})/.exec(run.stdout)?.[1];
  if (!id) throw new Error(`no activation id in: ${run.stdout}`);
  return id;
}

if (missing && !inCi) console.warn(`SKIPPED npm start walkthrough: ${missing}`);

describe.skipIf(missing !== undefined && !inCi)(
  'npm start, driven by the real wsk',
  { timeout: 120_000 },
  () => {
    let started: Started | undefined;
    let workDir: string;

    const wsk = (...args: string[]): Promise<WskRun> => {
      if (!started) throw new Error('npm start did not start');
      return runWsk(lookup.path!, started, join(workDir, 'wskprops'), args);
    };
    const record = async (id: string): Promise<Record<string, unknown>> =>
      eventually(async () => jsonAfterHeader(ok(await wsk('activation', 'get', id)).stdout));

    beforeAll(async () => {
      if (missing) return;
      workDir = mkdtempSync(join(tmpdir(), 'palette-walkthrough-'));
      writeFileSync(join(workDir, 'wskprops'), '');
      started = await npmStart(await freePort());
    }, 200_000);

    afterAll(async () => {
      if (started) await stopChild(started.child, 'SIGINT');
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    }, 60_000);

    it('has a wsk binary', () => {
      if (missing) throw new Error(`CI=true and no wsk: ${missing}`);
    });

    it('listens on loopback only (PALETTE_HOST defaults to 127.0.0.1)', async () => {
      expect(started!.apiHost).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // Another address of this host, if it has one, is refused on the same port.
      const other = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal);
      if (!other) return;
      const port = new URL(started!.apiHost).port;
      await expect(fetch(`http://${other.address}:${port}/ping`)).rejects.toThrow();
      expect((await fetch(`${started!.apiHost}/ping`)).status).toBe(200);
    });

    it('packages: create, an action inside, bind, get, list; the catalog; a colored invoke through the binding', async () => {
      ok(await wsk('package', 'create', 'demo', '-p', 'greeting', 'from-package'));
      ok(await wsk('action', 'create', 'demo/hello', join(root, 'actions/hello.js')));
      ok(await wsk('package', 'bind', 'demo', 'mydemo', '-p', 'who', 'from-binding'));
      const binding = jsonAfterHeader(ok(await wsk('package', 'get', 'mydemo')).stdout);
      expect(binding.binding).toEqual({ namespace: 'guest', name: 'demo' });
      const listed = ok(await wsk('package', 'list')).stdout;
      expect(listed).toMatch(/\/guest\/demo\b/);
      expect(listed).toMatch(/\/guest\/mydemo\b/);
      expect(ok(await wsk('package', 'get', '/whisk.system/utils', '--summary')).stdout).toMatch(/echo/);

      const echoed = JSON.parse(
        ok(await wsk('action', 'invoke', '/whisk.system/utils/echo', '-p', 'a', '1', '-r')).stdout,
      );
      expect(echoed).toEqual({ a: 1 });

      const run = ok(
        await wsk('action', 'invoke', 'mydemo/hello', '-p', '__palette_color', 'walk-1', '-p', 'n', '2'),
      );
      const got = await record(activationIdOf(run));
      expect(annotationOf(got, 'palette.color')).toBe('walk-1');
      expect(annotationOf(got, 'binding')).toBe('guest/mydemo');
      // package < binding < invocation, and the color is not among the action's parameters.
      const result = (got.response as { result: { params: Record<string, unknown> } }).result;
      expect(result.params).toEqual({ greeting: 'from-package', who: 'from-binding', n: 2 });
    });

    it('a sequence: every component runs with the color, and activation get shows the components', async () => {
      ok(await wsk('action', 'create', 'walkseq', '--sequence', 'demo/hello,/whisk.system/utils/echo'));
      const run = ok(await wsk('action', 'invoke', 'walkseq', '-p', '__palette_color', 'walk-seq'));
      const sequence = await record(activationIdOf(run));
      expect(annotationOf(sequence, 'kind')).toBe('sequence');
      expect(annotationOf(sequence, 'palette.color')).toBe('walk-seq');
      const components = sequence.logs as string[];
      expect(components).toHaveLength(2);
      for (const id of components) {
        const component = await record(id);
        expect(component.cause).toBe(sequence.activationId);
        expect(annotationOf(component, 'palette.color')).toBe('walk-seq');
      }
    });

    it('a web action: --web true, then its URL with no key, colored by the X-Palette-Color header', async () => {
      ok(await wsk('action', 'create', 'walkweb', join(root, 'actions/hello.js'), '--web', 'true'));
      const reply = await fetch(`${started!.apiHost}/api/v1/web/guest/default/walkweb.json?name=Web`, {
        headers: { 'x-palette-color': 'walk-web' },
      });
      expect(reply.status).toBe(200);
      expect(((await reply.json()) as { greeting: string }).greeting).toBe('Hello, Web!');
      const id = reply.headers.get('x-openwhisk-activation-id')!;
      expect(annotationOf(await record(id), 'palette.color')).toBe('walk-web');
    });

    it('a trigger and a rule: fire (colored), activation get of the trigger, disable, enable, delete', async () => {
      ok(await wsk('action', 'create', 'walkhello', join(root, 'actions/hello.js')));
      ok(await wsk('trigger', 'create', 'walktrig', '-p', 'from', 'trigger'));
      ok(await wsk('rule', 'create', 'walkrule', 'walktrig', 'walkhello'));
      const fired = ok(await wsk('trigger', 'fire', 'walktrig', '-p', '__palette_color', 'walk-trig'));
      const trigger = await record(activationIdOf(fired));
      expect(annotationOf(trigger, 'palette.color')).toBe('walk-trig');
      const line = JSON.parse((trigger.logs as string[])[0]!) as {
        success: boolean;
        activationId: string;
        rule: string;
      };
      expect(line).toMatchObject({ success: true, rule: 'guest/walkrule' });
      const action = await record(line.activationId);
      expect(action.cause).toBe(trigger.activationId);
      expect(annotationOf(action, 'palette.color')).toBe('walk-trig');

      ok(await wsk('rule', 'disable', 'walkrule'));
      expect(jsonAfterHeader(ok(await wsk('rule', 'get', 'walkrule')).stdout).status).toBe('inactive');
      ok(await wsk('rule', 'enable', 'walkrule'));
      expect(jsonAfterHeader(ok(await wsk('rule', 'get', 'walkrule')).stdout).status).toBe('active');
      ok(await wsk('rule', 'delete', 'walkrule'));
      expect((await wsk('rule', 'get', 'walkrule')).code).not.toBe(0);
    });

    it("a 429 in OpenWhisk's words once the namespace passes its fires per minute", async () => {
      ok(await wsk('trigger', 'create', 'walkbusy'));
      const outcomes: WskRun[] = [];
      // Fires made by the earlier test count too; a new wall-clock minute may start the count over once.
      for (let i = 0; i < 2 * firesPerMinute + 2; i++) {
        const run = await wsk('trigger', 'fire', 'walkbusy');
        outcomes.push(run);
        if (run.code !== 0) break;
      }
      const refused = outcomes.at(-1)!;
      expect(refused.code, refused.stdout).not.toBe(0);
      expect(refused.stderr).toMatch(
        new RegExp(`Too many requests in the last minute \\(count: \\d+, allowed: ${firesPerMinute}\\)`),
      );
    });

    it('cleans up with the CLI: deleting the binding, the action and the package', async () => {
      ok(await wsk('package', 'delete', 'mydemo'));
      ok(await wsk('action', 'delete', 'demo/hello'));
      ok(await wsk('package', 'delete', 'demo'));
      expect(ok(await wsk('package', 'list')).stdout).not.toMatch(/\/guest\/demo\b/);
    });
  },
);
