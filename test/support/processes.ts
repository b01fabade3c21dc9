/**
 * Real Palette processes for fault tests: a controller (`controller-main`) or an invoker
 * (`invoker-main`) as its own OS process, started the way their images start them, so a test can
 * SIGKILL one. Each is forked with an IPC channel, so it also dies with the test worker.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export { freePort } from '../../src/platform/embedded-couch.js';

const platformDir = fileURLToPath(new URL('../../src/platform/', import.meta.url));

export interface PaletteProcess {
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function start(script: string, env: Record<string, string>): PaletteProcess {
  const child = fork(`${platformDir}${script}`, [], {
    execArgv: ['--import', 'tsx'],
    // PALETTE_FAULTS_LOG=info (or debug) shows the processes' own logs while a scenario runs.
    stdio: ['ignore', process.env.PALETTE_FAULTS_LOG ? 'inherit' : 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, PALETTE_LOG_LEVEL: process.env.PALETTE_FAULTS_LOG ?? 'error', ...env },
  });
  if (process.env.PALETTE_FAULTS_LOG)
    child.once('exit', (code, signal) =>
      process.stderr.write(`[faults] ${script} exited: ${code ?? signal}\n`),
    );
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    child,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Environment shared by a test's processes: the global setup's broker and CouchDB, its own prefixes. */
export function sharedEnv(prefix: string, brokers = process.env.KAFKA_BROKERS): Record<string, string> {
  if (!brokers) throw new Error('KAFKA_BROKERS is not set (the test global setup sets it)');
  const couch = process.env.COUCHDB_URL;
  if (!couch) throw new Error('COUCHDB_URL is not set (the test global setup sets it)');
  return { KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, COUCHDB_URL: couch, DB_PREFIX: prefix };
}

export function startController(env: Record<string, string>): PaletteProcess {
  return start('controller-main.ts', env);
}

export function startInvokerProcess(id: number, env: Record<string, string>): PaletteProcess {
  return start('invoker-main.ts', {
    PALETTE_INVOKER_ID: String(id),
    PALETTE_INVOKER_NAME: `fault-invoker${id}`,
    PALETTE_INVOKER_MEMORY_MB: '1024',
    ...env,
  });
}

/** Polls `probe` every 100 ms until it returns true or `timeoutMs` passes; answers the elapsed ms. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const began = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - began;
    if (Date.now() - began > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
