/**
 * R26 on the real entry points, spawned as a user runs them: a port in use, an invalid setting, an
 * unreachable CouchDB or Kafka and an unknown option each end the start with ONE line on stderr
 * naming the setting, exit code 1 and no stack trace; --help prints the usage and exits 0. The waits
 * for CouchDB and Kafka are bounded by PALETTE_CONNECT_TIMEOUT_S (1 s here).
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/platform/embedded-couch.js';
import { prettyTransportInstalled } from '../../../src/platform/logger.js';

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** This process's environment without the platform's settings (the global setup sets some). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!/^(PALETTE_|KAFKA_|COUCHDB_|DB_PREFIX)/.test(name)) env[name] = value;
  return env;
}

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { env: { ...cleanEnv(), PALETTE_CONNECT_TIMEOUT_S: '1', ...env }, timeout: 120_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** Exit code 1, exactly one line on stderr matching `line`, no stack frame anywhere. */
function expectOneLine(outcome: Outcome, line: RegExp): void {
  expect(outcome.stderr.trimEnd().split('\n'), outcome.stderr).toHaveLength(1);
  expect(outcome.stderr.trim()).toMatch(line);
  expect(`${outcome.stdout}${outcome.stderr}`).not.toMatch(/^\s+at /m);
  expect(outcome.code).toBe(1);
}

/** Each case spawns tsx (a few seconds; much more on a loaded machine); 2 spawns at most per case. */
const SPAWN_TIMEOUT = 180_000;

const START = 'src/platform/start.ts';
const CONTROLLER = 'src/platform/controller-main.ts';
const INVOKER = 'src/platform/invoker-main.ts';

let taken: Server;
let takenPort: number;
/** A TCP listener that is no Kafka: it passes the reachability probe, so CouchDB is checked next. */
let fakeBroker: Server;
let fakeBrokerPort: number;
let closedPort: number;

async function listener(): Promise<[Server, number]> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return [server, (server.address() as { port: number }).port];
}

beforeAll(async () => {
  [taken, takenPort] = await listener();
  [fakeBroker, fakeBrokerPort] = await listener();
  closedPort = await freePort();
});
afterAll(() => {
  taken.close();
  fakeBroker.close();
});

describe.concurrent('npm start (src/platform/start.ts)', { timeout: SPAWN_TIMEOUT }, () => {
  it('a port in use', async () => {
    expectOneLine(
      await run(START, [], { PALETTE_PORT: String(takenPort) }),
      new RegExp(`^npm start: port ${takenPort} is in use; set PALETTE_PORT to a free port$`),
    );
  });

  it('the stack only at PALETTE_LOG_LEVEL=debug', async () => {
    const outcome = await run(START, [], { PALETTE_PORT: String(takenPort), PALETTE_LOG_LEVEL: 'debug' });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^npm start: port \d+ is in use; set PALETTE_PORT/);
    expect(outcome.stderr).toMatch(/^\s+at /m);
  });

  it('an invalid setting', async () => {
    expectOneLine(
      await run(START, [], { PALETTE_POLICY: 'fastest' }),
      /^npm start: invalid configuration: PALETTE_POLICY: must be one of /,
    );
  });

  it('an unreachable CouchDB URL', async () => {
    expectOneLine(
      await run(START, [], { PALETTE_PORT: '0', COUCHDB_URL: `http://127.0.0.1:${closedPort}` }),
      new RegExp(
        `^npm start: CouchDB at http://127\\.0\\.0\\.1:${closedPort} is not reachable .*after 1 s; check COUCHDB_URL`,
      ),
    );
  });

  it('unreachable Kafka brokers', async () => {
    expectOneLine(
      await run(START, [], { PALETTE_PORT: '0', KAFKA_BROKERS: `127.0.0.1:${closedPort}` }),
      new RegExp(
        `^npm start: Kafka at 127\\.0\\.0\\.1:${closedPort} is not reachable .*after 1 s; check KAFKA_BROKERS`,
      ),
    );
  });

  it('an unknown option, and --help', async () => {
    expectOneLine(await run(START, ['--kafak']), /^npm start: unknown option '--kafak' \(see --help\)$/);
    const help = await run(START, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm start -- \[--kafka\] \[--replicas N\]\n[\s\S]*--kafka/);
  });
});

describe.concurrent('controller-main', { timeout: SPAWN_TIMEOUT }, () => {
  const needs = { COUCHDB_URL: `http://127.0.0.1:1`, KAFKA_BROKERS: '127.0.0.1:1', PALETTE_PORT: '0' };

  it('a port in use', async () => {
    expectOneLine(
      await run(CONTROLLER, [], { ...needs, PALETTE_PORT: String(takenPort) }),
      new RegExp(`^controller-main: port ${takenPort} is in use; set PALETTE_PORT`),
    );
  });

  it('a missing setting', async () => {
    expectOneLine(
      await run(CONTROLLER, [], { PALETTE_PORT: '0' }),
      /^controller-main: invalid configuration: COUCHDB_URL is required/,
    );
  });

  it('unreachable CouchDB (Kafka answers)', async () => {
    expectOneLine(
      await run(CONTROLLER, [], {
        ...needs,
        KAFKA_BROKERS: `127.0.0.1:${fakeBrokerPort}`,
        COUCHDB_URL: `http://127.0.0.1:${closedPort}`,
      }),
      /^controller-main: CouchDB at .* is not reachable .*check COUCHDB_URL/,
    );
  });

  it('an unknown option', async () => {
    expectOneLine(
      await run(CONTROLLER, ['--port', '1']),
      /^controller-main: unknown option '--port' \(see --help\)$/,
    );
  });
});

describe.concurrent('invoker-main', { timeout: SPAWN_TIMEOUT }, () => {
  const needs = { PALETTE_INVOKER_ID: '0', KAFKA_BROKERS: `127.0.0.1:${1}` };

  it('an invalid setting', async () => {
    expectOneLine(
      await run(INVOKER, [], { ...needs, PALETTE_INVOKER_ID: 'x' }),
      /^invoker-main: invalid configuration: PALETTE_INVOKER_ID: /,
    );
  });

  it('unreachable Kafka', async () => {
    expectOneLine(
      await run(INVOKER, [], {
        ...needs,
        KAFKA_BROKERS: `127.0.0.1:${closedPort}`,
        COUCHDB_URL: 'http://127.0.0.1:1',
      }),
      /^invoker-main: Kafka at .* is not reachable .*check KAFKA_BROKERS/,
    );
  });

  it('an unknown option, and --help', async () => {
    expectOneLine(await run(INVOKER, ['--id=3']), /^invoker-main: unknown option '--id' \(see --help\)$/);
    expect((await run(INVOKER, ['--help'])).stdout).toMatch(/^invoker-main/);
  });
});

describe.concurrent('benchmarks that take options', { timeout: SPAWN_TIMEOUT }, () => {
  it('bench:soak refuses an unknown option, answers --help', async () => {
    expectOneLine(
      await run('bench/soak.ts', ['--minuets', '3']),
      /^bench:soak: unknown option '--minuets' \(see --help\)$/,
    );
    const help = await run('bench/soak.ts', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--minutes N .*default 10/);
  });

  it('screenshot:dashboard refuses an unknown option and a bad value, answers --help', async () => {
    expectOneLine(
      await run('scripts/dashboard-screenshot.ts', ['--bogus']),
      /^screenshot:dashboard: unknown option '--bogus' \(see --help\)$/,
    );
    expectOneLine(
      await run('scripts/dashboard-screenshot.ts', ['--seconds', 'x']),
      /^screenshot:dashboard: --seconds must be a positive integer, not 'x'$/,
    );
    const help = await run('scripts/dashboard-screenshot.ts', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^npm run screenshot:dashboard/);
  });

  it('bench:dag refuses an unknown option (as bench:sequence and bench:social, same helper)', async () => {
    expectOneLine(await run('bench/dag.ts', ['--bogus']), /^bench:dag: unknown option '--bogus'/);
  });

  // The benches whose settings are environment variables still answer --help and refuse options.
  for (const bench of ['api', 'kafka', 'colors', 'policies', 'scale'])
    it(`bench:${bench} refuses an unknown option, answers --help`, async () => {
      expectOneLine(
        await run(`bench/${bench}.ts`, ['--bogus']),
        new RegExp(`^bench:${bench}: unknown option '--bogus' \\(see --help\\)$`),
      );
      const help = await run(`bench/${bench}.ts`, ['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^npm run bench:${bench}\\n`));
    });
});

describe('logs on a terminal', { timeout: SPAWN_TIMEOUT }, () => {
  it('are pretty with pino-pretty installed and JSON without it, never a failed start', async () => {
    // `script` gives the child a pseudo-terminal as stdout, as a person's shell does.
    const code =
      "import('./src/platform/logger.ts').then((m) => m.createLogger('t', 'info').warn('hello there'))";
    const outcome = await new Promise<string>((resolve, reject) =>
      execFile(
        'script',
        ['-qec', `${process.execPath} --import tsx -e "${code}"`, '/dev/null'],
        { env: cleanEnv(), timeout: 30_000 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    const line = outcome.split(/\r?\n/).find((l) => l.includes('hello there'));
    expect(line, outcome).toBeDefined();
    if (prettyTransportInstalled()) expect(line).not.toMatch(/^\{"level"/);
    else expect(JSON.parse(line!)).toMatchObject({ level: 40, name: 't', msg: 'hello there' });
  });

  it('are JSON when stdout is not a terminal', async () => {
    const piped = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          "import('./src/platform/logger.ts').then((m) => m.createLogger('t', 'info').warn('piped'))",
        ],
        { env: cleanEnv(), timeout: 30_000 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    expect(JSON.parse(piped.trim())).toMatchObject({ level: 40, name: 't', msg: 'piped' });
  });
});
