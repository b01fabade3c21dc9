/**
 * The embedded CouchDB: `pouchdb-server` run as a child process on loopback, spoken to over HTTP
 * exactly like a real CouchDB (the stores never know the difference).
 *
 * pouchdb-server writes `config.json` and `log.txt` into its working directory and tails the log
 * to stdout. We run it with its own working directory (under the data dir, or a temporary one for
 * the in-memory mode), pass `--no-stdout-logs`, and discard its output, so nothing lands in the
 * repository and nothing reaches our terminal.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { settleOnAbort } from '../store/couch.js';
import { sleep } from '../retry/backoff.js';
import { stopChild } from './stop-child.js';

export interface EmbeddedCouchOptions {
  /** On-disk databases under `<dataDir>/couch`; absent: in memory, lost on stop. */
  readonly dataDir?: string;
  /** Port to listen on; absent: a free one. Pass the old port to restart "the same" server. */
  readonly port?: number;
  /** How long to wait for the first HTTP answer. */
  readonly startTimeoutMs?: number;
}

export interface EmbeddedCouch {
  readonly url: string;
  readonly port: number;
  /** Stops the process (and removes the working directory of an in-memory server). */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** A port the OS says is free now (the child binds it a moment later; a clash is retried by the caller). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `node -e` code: exit when the parent's IPC channel closes, then run pouchdb-server (argv[1]),
 * whose HTTP server keeps idle connections 65 s instead of node's 5 s: at 5 s a busy client
 * reusing a socket just as the server closes it gets "other side closed" (seen in CI under load).
 */
const serverLauncher = [
  "process.on('disconnect', () => process.exit(0));",
  "const http = require('node:http'); const create = http.createServer;",
  'http.createServer = (...a) => { const s = create(...a); s.keepAliveTimeout = 65000; return s; };',
  'require(process.argv[1]);',
].join(' ');

/** Whether a CouchDB-speaking server answers `GET url` with a 2xx within a second. */
export async function answers(url: string): Promise<boolean> {
  try {
    const deadline = AbortSignal.timeout(1000);
    return await settleOnAbort(
      fetch(url, { signal: deadline }).then(async (response) => {
        await response.arrayBuffer();
        return response.ok;
      }),
      deadline,
    );
  } catch {
    return false;
  }
}

export async function startEmbeddedCouch(options: EmbeddedCouchOptions = {}): Promise<EmbeddedCouch> {
  const inMemory = options.dataDir === undefined;
  const workDir = inMemory
    ? await mkdtemp(join(tmpdir(), 'palette-couch-'))
    : join(options.dataDir as string, 'couch');
  await mkdir(workDir, { recursive: true });
  // Pre-seeding the config keeps the log file in the work dir and the log level low.
  const configPath = join(workDir, 'config.json');
  await writeFile(configPath, JSON.stringify({ log: { file: join(workDir, 'log.txt'), level: 'error' } }));

  const port = options.port ?? (await freePort());
  const bin = require.resolve('pouchdb-server/lib/index.js');
  const args = [
    bin,
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    '--config',
    configPath,
    '--no-stdout-logs',
  ];
  args.push(...(inMemory ? ['--in-memory'] : ['--dir', workDir]));
  // pouchdb-server runs behind a one-line launcher holding an IPC channel to us: if this process
  // dies, even by SIGKILL, the channel closes and the server exits instead of living on orphaned.
  const child = spawn(process.execPath, ['-e', serverLauncher, ...args], {
    cwd: workDir,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const url = `http://127.0.0.1:${port}`;

  let exitCode: number | null = null;
  child.once('exit', (code) => {
    exitCode = code ?? -1;
  });

  const stop = async (): Promise<void> => {
    await stopChild(child, 'SIGTERM', 3000);
    if (inMemory) await rm(workDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  while (!(await answers(url))) {
    if (exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(
        exitCode !== null
          ? `pouchdb-server exited with code ${exitCode} before answering on ${url} (port taken?)`
          : `pouchdb-server did not answer on ${url} within the start timeout`,
      );
    }
    await sleep(100);
  }
  return { url, port, stop };
}

/**
 * The CouchDB the configuration asks for: COUCHDB_URL if set (stop does nothing), else an
 * embedded pouchdb-server, on disk under PALETTE_DATA_DIR when set, otherwise in memory.
 */
export async function couchForConfig(config: {
  couchdbUrl?: string;
  dataDir?: string;
}): Promise<EmbeddedCouch | { url: string; port?: undefined; stop(): Promise<void> }> {
  if (config.couchdbUrl) return { url: config.couchdbUrl, stop: async () => {} };
  return startEmbeddedCouch({ dataDir: config.dataDir });
}
