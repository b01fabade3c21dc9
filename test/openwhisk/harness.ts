/**
 * One Palette controller (the platform's controller stack, no invokers of its own) in front of real
 * OpenWhisk invokers, optionally beside Palette's own invoker processes: what each `openwhisk` test
 * file starts. The broker and CouchDB are the global setup's; topics and databases get a prefix of
 * the file's own.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPlatform, type Platform } from '../../src/platform/platform.js';
import type { Config } from '../../src/platform/config.js';
import { findWsk } from '../integration/clients/wsk-binary.js';
import { uniquePrefix } from '../support/platform.js';
import { ensureCouchUser, inCi, root, startRealInvoker, type RealInvoker } from './support.js';

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

export interface Fleet {
  platform: Platform;
  real: Map<number, RealInvoker>;
  prefix: string;
  /** Which invoker's container a proxy pid belongs to (real invokers only). */
  invokerOfPid(pid: number): number | undefined;
  /** Waits until exactly these invoker ids are healthy for the controller. */
  waitHealthy(ids: number[], timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFleet(
  name: string,
  realIds: number[],
  paletteIds: number[] = [],
  overrides: Partial<Config> = {},
): Promise<Fleet> {
  const kafkaBrokers = process.env.KAFKA_BROKERS;
  const couchUrl = process.env.COUCHDB_URL;
  if (!kafkaBrokers || !couchUrl)
    throw new Error('the global setup did not export KAFKA_BROKERS and COUCHDB_URL');
  await ensureCouchUser(couchUrl);
  pruneOldRuns();
  const prefix = uniquePrefix(name);
  const start = () =>
    startPlatform({
      noInvokers: true,
      invokerProcesses: true,
      overrides: {
        port: 0,
        kafkaTopicPrefix: prefix,
        dbPrefix: prefix,
        logLevel: 'silent',
        invokers: realIds.length + paletteIds.length,
        ...overrides,
      },
    });
  // A broker that has just started may answer a first topic creation with a retriable
  // UNKNOWN_TOPIC_OR_PARTITION; the platform fails its start then, so try again (bounded).
  let platform: Platform | undefined;
  for (let attempt = 1; !platform; attempt++) {
    try {
      platform = await start();
    } catch (error) {
      if (attempt >= 3 || !(error as { retriable?: boolean }).retriable) throw error;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
  const real = new Map<number, RealInvoker>();
  const fleet: Fleet = {
    platform,
    real,
    prefix,
    invokerOfPid: (pid) => [...real.values()].find((r) => r.proxyPids().has(pid))?.id,
    waitHealthy: async (ids, timeoutMs = 240_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const health = platform.controller.invokerHealth();
        if (ids.every((id) => health.find((h) => h.id === id)?.status === 'healthy')) return;
        if (Date.now() > deadline) {
          const logs = [...real.values()]
            .map((r) => `--- invoker${r.id}:\n${r.log().slice(-3000)}`)
            .join('\n');
          throw new Error(`invokers ${ids.join(',')} not healthy: ${JSON.stringify(health)}\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop: async () => {
      await Promise.all([...real.values()].map((r) => r.stop()));
      await platform.stop();
      // keep each invoker's logs (invoker.log, docker-calls.log) for a look after a failure; drop the rest
      for (const r of real.values()) rmSync(join(r.runDir, 'containers'), { recursive: true, force: true });
    },
  };
  try {
    for (const id of realIds) {
      real.set(
        id,
        startRealInvoker({
          id,
          topicPrefix: prefix,
          dbPrefix: prefix,
          kafkaBrokers,
          couchUrl,
          apiPort: platform.config.port,
        }),
      );
    }
    await Promise.all(paletteIds.map((id) => platform.startInvoker(id)));
    await fleet.waitHealthy([...realIds, ...paletteIds]);
    return fleet;
  } catch (error) {
    await fleet.stop();
    throw error;
  }
}

export interface WskRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real `wsk` CLI against a platform; throws under CI when there is none. */
export function wskFor(platform: Platform): { run(...args: string[]): Promise<WskRun>; close(): void } {
  const lookup = findWsk(root);
  if (!lookup.path) {
    if (inCi) throw new Error(`CI=true and no wsk: ${'reason' in lookup ? lookup.reason : ''}`);
    throw new Error(`no wsk CLI: ${'reason' in lookup ? lookup.reason : ''}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'palette-ow-wsk-'));
  writeFileSync(join(dir, 'wskprops'), '');
  const bin = lookup.path;
  return {
    run: (...args) =>
      new Promise((resolve) => {
        execFile(
          bin,
          [...args, '--apihost', platform.apiHost, '--auth', platform.authKey],
          { env: { ...process.env, WSK_CONFIG_FILE: join(dir, 'wskprops') }, timeout: 120_000 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      }),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The JSON a wsk command prints (after its `ok: ...` header line, if any). */
export function jsonOf(stdout: string): unknown {
  const start = stdout.search(/[[{]/);
  if (start < 0) throw new Error(`no JSON in: ${stdout}`);
  return JSON.parse(stdout.slice(start)) as unknown;
}

export function annotation(record: unknown, key: string): unknown {
  const list = ((record as { annotations?: unknown }).annotations ?? []) as { key: string; value: unknown }[];
  return list.find((a) => a.key === key)?.value;
}

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
