/**
 * Nothing `npm start` launches outlives it: if the parent dies without a chance to clean up
 * (SIGKILL, an OOM kill), the embedded pouchdb-server and the invoker processes notice their IPC
 * channel closing and exit, rather than run on as orphans holding ports and taking activations.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { answers } from '../../../src/platform/embedded-couch.js';
import { kafkaBrokers, uniqueTopicPrefix } from '../kafka/support.js';

/** invoker-main.ts as `npm start` forks it: with an IPC channel to this process. */
function forkInvoker(id: string) {
  if (!process.env.COUCHDB_URL)
    throw new Error('COUCHDB_URL is not set: the integration global setup starts pouchdb-server');
  return spawn(process.execPath, ['--import', 'tsx', 'src/platform/invoker-main.ts'], {
    env: {
      ...process.env,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      PALETTE_INVOKER_ID: id,
      PALETTE_INVOKER_MEMORY_MB: '256',
      KAFKA_TOPIC_PREFIX: uniqueTopicPrefix('orphans'),
      DB_PREFIX: `orph_${randomBytes(4).toString('hex')}_`,
      PALETTE_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

/**
 * Closes the child's IPC channel (what it sees when its parent dies) and returns its exit code, or
 * 'still running after 20 s' (then kills it).
 */
async function exitCodeAfterDisconnect(child: ChildProcess): Promise<number | null | string> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.disconnect();
  const code = await Promise.race([
    exited,
    new Promise<string>((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000)),
  ]);
  if (code === 'still running after 20 s') child.kill('SIGKILL');
  return code;
}

describe('children of a parent that dies', () => {
  it('the embedded pouchdb-server exits when its parent is SIGKILLed', async () => {
    const parent = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./src/platform/embedded-couch.ts').then(async (m) => { const c = await m.startEmbeddedCouch(); console.log(c.url); setInterval(() => {}, 1000); });",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
        if (match) resolve(match[0]);
      });
      parent.once('exit', (code) => reject(new Error(`parent exited with ${code} before starting CouchDB`)));
    });
    expect(await answers(url)).toBe(true);
    parent.kill('SIGKILL');
    await vi.waitFor(async () => expect(await answers(url)).toBe(false), { timeout: 15_000, interval: 200 });
  }, 60_000);

  it('an invoker process whose parent goes away while it starts up exits instead of starting', async () => {
    const invoker = forkInvoker('8');
    expect(await exitCodeAfterDisconnect(invoker)).toBe(0);
  }, 60_000);

  it('an invoker process forked with an IPC channel stops when the channel closes', async () => {
    const invoker = forkInvoker('7');
    await new Promise<void>((resolve, reject) => {
      invoker.on('message', (m: { ready?: boolean }) => {
        if (m?.ready) resolve();
      });
      invoker.once('exit', (code) => reject(new Error(`invoker exited with ${code} before it was ready`)));
    });
    expect(await exitCodeAfterDisconnect(invoker)).toBe(0);
  }, 90_000);
});
