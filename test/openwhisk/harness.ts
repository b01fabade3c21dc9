/**
 * What each `openwhisk` test file starts: Palette's controller as its own process
 * (`src/platform/controller-main.ts`, the controller image's entry point) in front of real OpenWhisk
 * invokers, optionally beside Palette's own invoker processes (`src/platform/invoker-main.ts`). The
 * broker and CouchDB are the global setup's; topics and databases get a prefix of the file's own.
 * Everything is observed from outside, as an operator would: `GET /invokers`, the REST API, `wsk`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/platform/embedded-couch.js';
import { wellKnownAuth } from '../../src/store/index.js';
import { findWsk } from '../integration/clients/wsk-binary.js';
import { runWsk, type WskRun } from '../integration/clients/wsk-run.js';
import { uniquePrefix } from '../support/platform.js';
import { ensureCouchUser, inCi, root, startRealInvoker, type RealInvoker } from './support.js';

/** OpenWhisk's `/invokers` words: up, unhealthy, unresponsive, down. */
export type ShownStatus = 'up' | 'unhealthy' | 'unresponsive' | 'down';

export interface Fleet {
  readonly apiHost: string;
  readonly authKey: string;
  readonly couchUrl: string;
  readonly prefix: string;
  readonly real: Map<number, RealInvoker>;
  /** `GET /invokers` of the controller: invoker id → its label and status. */
  health(): Promise<Map<number, { label: string; status: ShownStatus }>>;
  /** Which real invoker's container a proxy pid belongs to. */
  invokerOfPid(pid: number): number | undefined;
  /** Waits until every one of these invokers shows `status` (bounded). */
  waitStatus(ids: number[], status: ShownStatus, timeoutMs?: number): Promise<void>;
  /** The controller's and the invokers' logs, for a failure message. */
  logs(): string;
  stop(): Promise<void>;
}

const tsx = (script: string) => ({ script: join(root, script), execArgv: ['--import', 'tsx'] });
const readOr = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** State folders of earlier runs, older than a day. */
function pruneOldRuns(): void {
  const runs = join(root, '.cache/openwhisk-invoker/run');
  if (!existsSync(runs)) return;
  for (const name of readdirSync(runs)) {
    const dir = join(runs, name);
    if (name !== 'ip-leases' && Date.now() - statSync(dir).mtimeMs > 86_400_000)
      rmSync(dir, { recursive: true, force: true });
  }
}

async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(graceMs)]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited;
  }
}

export async function startFleet(name: string, realIds: number[], paletteIds: number[] = []): Promise<Fleet> {
  const kafkaBrokers = process.env.KAFKA_BROKERS;
  const couchUrl = process.env.COUCHDB_URL;
  if (!kafkaBrokers || !couchUrl)
    throw new Error('the global setup did not export KAFKA_BROKERS and COUCHDB_URL');
  await ensureCouchUser(couchUrl);
  pruneOldRuns();
  const prefix = uniquePrefix(name);
  const port = await freePort();
  const apiHost = `http://127.0.0.1:${port}`;
  const logDir = join(root, '.cache/openwhisk-invoker/run', `${prefix}controller`);
  mkdirSync(logDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: kafkaBrokers,
    KAFKA_TOPIC_PREFIX: prefix,
    COUCHDB_URL: couchUrl,
    DB_PREFIX: prefix,
    PALETTE_PORT: String(port),
    PALETTE_LOG_LEVEL: 'warn',
  };

  const controllerLog = join(logDir, 'controller.log');
  const out = openSync(controllerLog, 'w');
  const main = tsx('src/platform/controller-main.ts');
  const controller = spawn(process.execPath, [...main.execArgv, main.script], {
    env,
    stdio: ['ignore', out, out],
  });
  const real = new Map<number, RealInvoker>();
  const palette = new Map<number, ChildProcess>();

  const health: Fleet['health'] = async () => {
    const reply = await fetch(`${apiHost}/invokers`);
    const view = (await reply.json()) as Record<string, ShownStatus>;
    const byId = new Map<number, { label: string; status: ShownStatus }>();
    for (const [label, status] of Object.entries(view)) {
      const id = /^invoker(\d+)/.exec(label)?.[1];
      if (id !== undefined) byId.set(Number(id), { label, status });
    }
    return byId;
  };
  const logs = () =>
    [
      `--- controller:\n${readOr(controllerLog).slice(-3000)}`,
      ...[...real.values()].map((r) => `--- real invoker${r.id}:\n${r.log().slice(-3000)}`),
    ].join('\n');

  const fleet: Fleet = {
    apiHost,
    authKey: wellKnownAuth.guest,
    couchUrl,
    prefix,
    real,
    health,
    invokerOfPid: (pid) => [...real.values()].find((r) => r.proxyPids().has(pid))?.id,
    waitStatus: async (ids, status, timeoutMs = 240_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const view = await health().catch(() => new Map<number, { label: string; status: ShownStatus }>());
        if (ids.every((id) => view.get(id)?.status === status)) return;
        if (Date.now() > deadline)
          throw new Error(`invokers ${ids.join(',')} not ${status}: ${JSON.stringify([...view])}\n${logs()}`);
        await sleep(250);
      }
    },
    logs,
    stop: async () => {
      await Promise.all([...palette.values()].map((child) => stopChild(child)));
      await Promise.all([...real.values()].map((r) => r.stop()));
      await stopChild(controller);
      // keep the logs (invoker.log, docker-calls.log, controller.log) for a look after a failure
      for (const r of real.values()) rmSync(join(r.runDir, 'containers'), { recursive: true, force: true });
    },
  };

  try {
    // controller-main answers /ready once Kafka and CouchDB are connected (it retries by itself)
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (controller.exitCode !== null) throw new Error(`controller-main exited: ${readOr(controllerLog)}`);
      const ready = await fetch(`${apiHost}/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`controller-main not ready: ${readOr(controllerLog)}`);
      await sleep(250);
    }
    for (const id of realIds) {
      real.set(
        id,
        startRealInvoker({
          id,
          topicPrefix: prefix,
          dbPrefix: prefix,
          kafkaBrokers,
          couchUrl,
          apiPort: port,
        }),
      );
    }
    const invokerMain = tsx('src/platform/invoker-main.ts');
    await Promise.all(
      paletteIds.map(async (id) => {
        const child = fork(invokerMain.script, [], {
          execArgv: invokerMain.execArgv,
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: { ...env, PALETTE_INVOKER_ID: String(id), PALETTE_INVOKER_NAME: `palette-invoker-${id}` },
        });
        palette.set(id, child);
        await new Promise<void>((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`Palette invoker ${id} exited with ${code}`)));
          child.on('message', (m: { ready?: boolean }) => {
            if (m?.ready) resolve();
          });
        });
      }),
    );
    await fleet.waitStatus([...realIds, ...paletteIds], 'up');
    return fleet;
  } catch (error) {
    await fleet.stop();
    throw error;
  }
}

export interface RestReply {
  status: number;
  body: unknown;
  headers: Headers;
}

/** The OpenWhisk REST API of the fleet's controller, with the guest key. */
export function restFor(fleet: Pick<Fleet, 'apiHost' | 'authKey'>) {
  const auth = `Basic ${Buffer.from(fleet.authKey).toString('base64')}`;
  const call = async (method: string, path: string, body?: unknown): Promise<RestReply> => {
    const response = await fetch(`${fleet.apiHost}/api/v1${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      headers: response.headers,
    };
  };
  return {
    call,
    put: (name: string, code: string, limits?: Record<string, number>) =>
      call('PUT', `/namespaces/_/actions/${name}?overwrite=true`, {
        exec: { kind: 'nodejs:20', code },
        ...(limits ? { limits } : {}),
      }),
    invoke: (name: string, params: Record<string, unknown>) =>
      call('POST', `/namespaces/_/actions/${name}?blocking=true&result=true`, params),
  };
}

export type { WskRun };

/** The real `wsk` CLI against the fleet's controller; throws when there is none (a failure under CI). */
export function wskFor(fleet: Pick<Fleet, 'apiHost' | 'authKey'>): {
  run(...args: string[]): Promise<WskRun>;
  close(): void;
} {
  const lookup = findWsk(root);
  if (!lookup.path) {
    const why = 'reason' in lookup ? lookup.reason : '';
    throw new Error(inCi ? `CI=true and no wsk: ${why}` : `no wsk CLI: ${why}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'palette-ow-wsk-'));
  writeFileSync(join(dir, 'wskprops'), '');
  const bin = lookup.path;
  return {
    run: (...args) => runWsk(bin, fleet, join(dir, 'wskprops'), args),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The JSON a wsk command prints (after its `ok: ...` header line, if any). */
export function jsonOf(stdout: string): unknown {
  const start = stdout.search(/[[{]/);
  if (start < 0) throw new Error(`no JSON in: ${stdout}`);
  return JSON.parse(stdout.slice(start)) as unknown;
}

export { annotationOf as annotation } from '../integration/clients/wsk-run.js';

/** A probe action: its proxy's pid and a module-level counter tell which container ran it, and how warm. */
export const probeCode = `let count = 0;
function main(params) {
  count += 1;
  console.log('probe call ' + count + ' in ' + process.pid);
  return { pid: process.pid, count: count, activationId: process.env.__OW_ACTIVATION_ID, echo: params.echo };
}`;

export interface ProbeResult {
  pid: number;
  count: number;
  activationId: string;
  echo?: unknown;
}
