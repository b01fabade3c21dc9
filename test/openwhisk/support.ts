/**
 * Apache OpenWhisk's own invoker under Palette's controller, for the `openwhisk` test project:
 * builds it once (scripts/openwhisk-invoker.sh build, cached), starts invokers as child processes
 * (`start --id N --foreground`, so a test can SIGKILL the JVM itself), and reads the stand-in
 * containers' state to tell which invoker ran an action (the action proxy's pid).
 *
 * Without the build's prerequisites (root, java, mvn, ../shared) the suites skip and say why; with
 * CI=true that is a failure, as for the other judges (DECISIONS R4).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const script = join(root, 'scripts/openwhisk-invoker.sh');
const runRoot = join(root, '.cache/openwhisk-invoker/run');
export const inCi = process.env.CI === 'true';

/** The credentials the real invoker sends to CouchDB (OpenWhisk always sends Basic auth). */
export const couchCredentials = { user: 'palette', password: 'palette' } as const;

function run(
  file: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, out: `${stdout}${stderr}` });
    });
  });
}

let built: Promise<{ dir: string } | { reason: string }> | undefined;

/** Builds (or finds cached) the real invoker; the reason to skip when it cannot be had here. */
export function realInvokerBuild(): Promise<{ dir: string } | { reason: string }> {
  built ??= (async () => {
    if (process.getuid?.() !== 0)
      return { reason: 'the real invoker needs root (unshare -m for the docker stand-in)' };
    const sources = process.env.OPENWHISK_SRC_DIR ?? join(root, '../shared/tools/openwhisk-src');
    if (!existsSync(join(sources, 'openwhisk-src.tgz')))
      return { reason: `no OpenWhisk source tarball in ${sources} (../shared, or OPENWHISK_SRC_DIR)` };
    const { code, stdout, out } = await run(script, ['build'], 40 * 60_000);
    // The path is the last line of stdout; a cold build also logs its progress on stderr.
    const dir = stdout.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !existsSync(join(dir, 'openwhisk-invoker.jar')))
      return { reason: `scripts/openwhisk-invoker.sh build failed (exit ${code}): ${out.slice(-2000)}` };
    return { dir };
  })();
  return built;
}

/** Under CI a missing real invoker fails the run; elsewhere the reason to skip (printed once). */
export async function skipReason(): Promise<string | undefined> {
  const result = await realInvokerBuild();
  if ('dir' in result) return undefined;
  if (inCi) throw new Error(`CI=true but the real OpenWhisk invoker is not available: ${result.reason}`);
  console.warn(`[openwhisk] SKIPPED: ${result.reason}`);
  return result.reason;
}

/** Registers the invoker's CouchDB user: pouchdb-server in admin party refuses unknown Basic credentials. */
export async function ensureCouchUser(couchUrl: string): Promise<void> {
  const { user, password } = couchCredentials;
  const url = `${couchUrl.replace(/\/$/, '')}/_users/org.couchdb.user:${user}`;
  const existing = await fetch(url);
  await existing.arrayBuffer();
  if (existing.ok) return;
  const reply = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user, password, roles: [], type: 'user' }),
  });
  const text = await reply.text();
  if (!reply.ok && reply.status !== 409) throw new Error(`cannot register CouchDB user ${user}: ${text}`);
}

export interface RealInvokerOptions {
  id: number;
  topicPrefix: string;
  dbPrefix: string;
  kafkaBrokers: string;
  couchUrl: string;
  /** The Palette API port the actions call back (__OW_API_HOST). */
  apiPort: number;
  memory?: string;
}

export interface RealInvoker {
  readonly id: number;
  readonly process: ChildProcess;
  readonly runDir: string;
  /** The invoker's own log (OpenWhisk's logback output). */
  log(): string;
  /** Pids of this invoker's action proxies (its stand-in containers, live or stopped). */
  proxyPids(): Set<number>;
  /** Lines of unsupported docker calls (a gap in the stand-in); must stay empty. */
  standinErrors(): string;
  /** The docker calls it made, one per line. */
  dockerCalls(): string;
  /** SIGTERM, then the script's own stop (containers included). */
  stop(): Promise<void>;
}

export function runDirOf(topicPrefix: string, id: number): string {
  return join(runRoot, `${topicPrefix}invoker${id}`);
}

const readOr = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');

export function startRealInvoker(options: RealInvokerOptions): RealInvoker {
  const runDir = runDirOf(options.topicPrefix, options.id);
  rmSync(runDir, { recursive: true, force: true }); // a fresh state folder per start
  mkdirSync(runDir, { recursive: true });
  const logFile = join(runDir, 'invoker.log');
  const fd = openSync(logFile, 'w');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: options.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: options.topicPrefix,
    COUCHDB_URL: options.couchUrl,
    COUCHDB_USER: couchCredentials.user,
    COUCHDB_PASSWORD: couchCredentials.password,
    DB_PREFIX: options.dbPrefix,
    PALETTE_PORT: String(options.apiPort),
  };
  const args = ['start', '--id', String(options.id), '--port', String(29300 + options.id), '--foreground'];
  if (options.memory) args.push('--memory', options.memory);
  const child = spawn(script, args, { env, stdio: ['ignore', fd, fd] });
  const stopEnv = { ...env };
  return {
    id: options.id,
    process: child,
    runDir,
    log: () => readOr(logFile),
    proxyPids: () => {
      const pids = new Set<number>();
      for (const line of readOr(join(runDir, 'proxies.log')).split('\n')) {
        const pid = Number(line.split(' ')[1]);
        if (pid > 0) pids.add(pid);
      }
      return pids;
    },
    standinErrors: () => readOr(join(runDir, 'standin-errors.log')),
    dockerCalls: () => readOr(join(runDir, 'docker-calls.log')),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      }
      await new Promise<void>((resolve) => {
        execFile(script, ['stop', '--id', String(options.id)], { env: stopEnv, timeout: 60_000 }, () =>
          resolve(),
        );
      });
    },
  };
}
