// The `docker` command line, as far as Apache OpenWhisk's DockerClient (core/invoker, containerpool/docker)
// uses it, on a machine without a Docker engine: each "container" is OpenWhisk's own Node.js action
// proxy (core/nodejsActionBase, unchanged) run as a local process on its own loopback address
// 127.0.0.N:8080. Test support only (README: "Tested against Apache OpenWhisk's own invoker"); never
// installed on a system path.
//
// Subcommands, exactly in the forms DockerClient runs them:
//   version --format {{.Client.Version}}
//   run -d <flags> IMAGE            starts a container, prints its id
//   inspect --format {{.NetworkSettings.Networks.<net>.IPAddress}} ID | inspect ID --format {{.State.OOMKilled}}
//   pause ID | unpause ID           SIGSTOP / SIGCONT of the proxy process
//   rm -f ID                        SIGKILL of the container's process group, state removed
//   ps --quiet --no-trunc [--all] [--filter name=X]...
//   pull IMAGE                      succeeds for the Node.js runtime images, fails otherwise
// Anything else fails loudly: a message on stderr, a non-zero exit, and (for a form the stand-in does
// not implement) a line in <state>/standin-errors.log, which the tests check stays empty.
//
// State (PALETTE_DOCKER_STATE, default: the working directory, which is the invoker's):
//   containers/<id>/config.v2.json   Docker's own file: NetworkSettings...IPAddress, State.OOMKilled
//   containers/<id>/<id>-json.log    the proxy's stdout/stderr as Docker json-file lines
//   containers/<id>/standin.json     name, image, ip, pgid (the supervisor's process group), env
//   containers/<id>/proxy.pid        the proxy's pid (written by supervisor.mjs)
//   docker-calls.log                 one line per call (arguments, exit status)
// Loopback addresses are leased machine-wide under PALETTE_DOCKER_LEASES (mkdir is atomic).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const stateDir = process.env.PALETTE_DOCKER_STATE || process.cwd();
const containersDir = path.join(stateDir, 'containers');
const leasesDir = process.env.PALETTE_DOCKER_LEASES || path.join(stateDir, 'ip-leases');
const proxyDir = process.env.PALETTE_DOCKER_PROXY_DIR || '';
const argv = process.argv.slice(2);
const CLIENT_VERSION = '24.0.0';
const NODE_IMAGE = /(^|\/)action-nodejs-v\d+(:[\w.-]+)?$/;

class DockerError extends Error {
  constructor(message, status = 1) {
    super(message);
    this.status = status;
  }
}

/** A form of a call the stand-in does not implement: a gap in the stand-in, logged for the tests. */
class Unsupported extends DockerError {}

function record(line) {
  try {
    fs.mkdirSync(stateDir, { recursive: true });
    fs.appendFileSync(path.join(stateDir, 'docker-calls.log'), `${new Date().toISOString()} ${line}\n`);
  } catch {
    // the call log is a diagnostic only
  }
}

function containerDir(id) {
  if (!/^[0-9a-f]{64}$/.test(id)) throw new DockerError(`Error: No such object: ${id}`);
  return path.join(containersDir, id);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function known(id) {
  const dir = containerDir(id);
  if (!fs.existsSync(path.join(dir, 'standin.json'))) throw new DockerError(`Error: No such object: ${id}`);
  return { dir, meta: readJson(path.join(dir, 'standin.json')) };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** The proxy's pid, once the supervisor has started it (bounded wait). */
async function proxyPid(dir) {
  for (let i = 0; i < 100; i++) {
    const file = path.join(dir, 'proxy.pid');
    if (fs.existsSync(file)) {
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (pid > 0) return pid;
    }
    await sleep(50);
  }
  throw new DockerError('Error response from daemon: container process did not start');
}

function canBind(ip) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(8080, ip, () => server.close(() => resolve(true)));
  });
}

/** Leases a free 127.0.0.N (N = 2..254) for a container whose folder is `owner`. */
async function leaseAddress(owner) {
  fs.mkdirSync(leasesDir, { recursive: true });
  for (let n = 2; n <= 254; n++) {
    const ip = `127.0.0.${n}`;
    const lease = path.join(leasesDir, ip);
    try {
      fs.mkdirSync(lease);
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let holder = '';
      try {
        holder = fs.readFileSync(path.join(lease, 'owner'), 'utf8');
      } catch {
        continue; // being written right now by another call
      }
      // The holder's folder exists from before its lease until `rm -f` (or the test teardown) removes it.
      if (fs.existsSync(holder)) continue;
      fs.rmSync(lease, { recursive: true, force: true }); // its container is gone: reclaim
      try {
        fs.mkdirSync(lease);
      } catch {
        continue;
      }
    }
    fs.writeFileSync(path.join(lease, 'owner'), owner);
    if (await canBind(ip)) return ip;
    fs.rmSync(lease, { recursive: true, force: true });
  }
  throw new DockerError('Error response from daemon: no free loopback address for a container', 125);
}

function releaseAddress(ip, owner) {
  const lease = path.join(leasesDir, ip);
  try {
    if (fs.readFileSync(path.join(lease, 'owner'), 'utf8') === owner) fs.rmSync(lease, { recursive: true });
  } catch {
    // already released
  }
}

const runValueFlags = new Set([
  '--cpu-shares',
  '--memory',
  '--memory-swap',
  '--network',
  '-e',
  '--env',
  '--dns',
  '--dns-search',
  '--dns-option',
  '--dns-opt',
  '--name',
  '--cpus',
  '--ulimit',
  '--pids-limit',
  '--cap-drop',
  '--cap-add',
  '--label',
  '--security-opt',
  '--log-driver',
  '--log-opt',
]);

async function run(args) {
  if (args[0] !== '-d') throw new Unsupported('the stand-in runs containers detached only (run -d ...)', 125);
  const options = { env: {}, network: 'bridge', name: '', flags: {} };
  let i = 1;
  for (; i < args.length && args[i].startsWith('-'); i += 2) {
    const flag = args[i];
    const value = args[i + 1];
    if (!runValueFlags.has(flag)) throw new Unsupported(`unknown flag: ${flag}`, 125);
    if (value === undefined) throw new DockerError(`flag needs an argument: ${flag}`, 125);
    if (flag === '-e' || flag === '--env') {
      const eq = value.indexOf('=');
      if (eq <= 0) throw new DockerError(`invalid environment variable: ${value}`, 125);
      options.env[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (flag === '--log-driver' && value !== 'json-file') {
      throw new Unsupported(`the stand-in writes json-file logs only, not --log-driver ${value}`, 125);
    } else if (flag === '--network') options.network = value;
    else if (flag === '--name') options.name = value;
    else options.flags[flag] = value;
  }
  const image = args[i];
  if (image === undefined || i !== args.length - 1)
    throw new DockerError(`expected exactly one image after the flags, got: ${args.slice(i).join(' ')}`, 125);
  if (!NODE_IMAGE.test(image))
    throw new Unsupported(`Unable to find image '${image}': only OpenWhisk's Node.js runtime runs here`, 125);
  if (!proxyDir || !fs.existsSync(path.join(proxyDir, 'app.js')))
    throw new DockerError('PALETTE_DOCKER_PROXY_DIR does not hold the action proxy (app.js)', 125);
  for (const existing of listContainers(true)) {
    if (options.name && existing.meta.name === options.name)
      throw new DockerError(`Conflict. The container name "/${options.name}" is already in use`, 125);
  }

  const id = randomBytes(32).toString('hex');
  const dir = containerDir(id);
  fs.mkdirSync(dir, { recursive: true });
  const ip = await leaseAddress(dir);
  const config = {
    ID: id,
    Name: `/${options.name}`,
    Created: new Date().toISOString(),
    Config: { Image: image, Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) },
    State: { Running: true, Paused: false, OOMKilled: false },
    NetworkSettings: { Networks: { [options.network]: { IPAddress: ip } } },
  };
  fs.writeFileSync(path.join(dir, 'config.v2.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(dir, `${id}-json.log`), '');
  const meta = {
    id,
    name: options.name,
    image,
    ip,
    network: options.network,
    pgid: 0,
    proxyDir,
    standinDir: here,
    env: options.env,
    flags: options.flags,
  };
  // Written before the supervisor starts (it reads it), and again with its process group.
  fs.writeFileSync(path.join(dir, 'standin.json'), JSON.stringify(meta));
  const supervisorLog = fs.openSync(path.join(dir, 'supervisor.log'), 'a');
  const supervisor = spawn(process.execPath, [path.join(here, 'supervisor.mjs'), dir], {
    detached: true,
    stdio: ['ignore', supervisorLog, supervisorLog],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  fs.closeSync(supervisorLog);
  meta.pgid = supervisor.pid;
  fs.writeFileSync(path.join(dir, 'standin.json'), JSON.stringify(meta));
  supervisor.unref();
  // As `docker run -d`, answer once the container's process runs: here, once the supervisor has
  // started the proxy (bounded); a supervisor that died is a container that failed to start.
  for (let i = 0; i < 500 && !fs.existsSync(path.join(dir, 'proxy.pid')); i++) {
    if (!alive(supervisor.pid)) break;
    await sleep(20);
  }
  if (!fs.existsSync(path.join(dir, 'proxy.pid'))) {
    const why = fs
      .readFileSync(path.join(dir, 'supervisor.log'), 'utf8')
      .trim()
      .split('\n')
      .slice(-3)
      .join(' | ');
    rm(['-f', id]);
    throw new DockerError(`Error response from daemon: container ${id} did not start: ${why}`, 125);
  }
  return `${id}\n`;
}

function inspect(args) {
  let format;
  const ids = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--format' || args[i] === '-f') format = args[++i];
    else if (args[i].startsWith('-')) throw new Unsupported(`unknown flag: ${args[i]}`);
    else ids.push(args[i]);
  }
  if (format === undefined || ids.length !== 1)
    throw new Unsupported(`the stand-in answers inspect --format TEMPLATE ID only, got: ${args.join(' ')}`);
  const { dir } = known(ids[0]);
  const config = readJson(path.join(dir, 'config.v2.json'));
  const ipFormat = /^\{\{\.NetworkSettings\.Networks\.([\w.-]+)\.IPAddress\}\}$/.exec(format);
  if (ipFormat) {
    const network = config.NetworkSettings.Networks[ipFormat[1]];
    return `${network ? network.IPAddress : '<no value>'}\n`;
  }
  if (format === '{{.State.OOMKilled}}') return `${config.State.OOMKilled}\n`;
  throw new Unsupported(`the stand-in does not know the template ${format}`);
}

async function pauseOrUnpause(command, args) {
  if (args.length !== 1) throw new Unsupported(`${command} takes one container id`);
  const { dir } = known(args[0]);
  const pid = await proxyPid(dir);
  if (!alive(pid)) throw new DockerError(`Error response from daemon: container ${args[0]} is not running`);
  process.kill(pid, command === 'pause' ? 'SIGSTOP' : 'SIGCONT');
  const configFile = path.join(dir, 'config.v2.json');
  const config = readJson(configFile);
  config.State.Paused = command === 'pause';
  fs.writeFileSync(configFile, JSON.stringify(config));
  return `${args[0]}\n`;
}

function rm(args) {
  if (args[0] !== '-f' || args.length !== 2) throw new Unsupported(`the stand-in answers rm -f ID only`);
  const dir = containerDir(args[1]);
  if (!fs.existsSync(path.join(dir, 'standin.json'))) return ''; // as rm -f: a missing container is no error
  const meta = readJson(path.join(dir, 'standin.json'));
  try {
    if (meta.pgid > 1) process.kill(-meta.pgid, 'SIGKILL'); // never 0: that would be our own group
  } catch {
    // already gone
  }
  releaseAddress(meta.ip, dir);
  fs.rmSync(dir, { recursive: true, force: true });
  return `${args[1]}\n`;
}

function listContainers(all) {
  if (!fs.existsSync(containersDir)) return [];
  const out = [];
  for (const id of fs.readdirSync(containersDir)) {
    const file = path.join(containersDir, id, 'standin.json');
    if (!fs.existsSync(file)) continue;
    const meta = readJson(file);
    if (all || (meta.pgid > 1 && alive(meta.pgid))) out.push({ id, meta });
  }
  return out;
}

function ps(args) {
  let all = false;
  const names = [];
  const seen = new Set();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--quiet' || arg === '-q' || arg === '--no-trunc') seen.add(arg);
    else if (arg === '--all' || arg === '-a') all = true;
    else if (arg === '--filter' || arg === '-f') {
      const filter = args[++i] ?? '';
      if (!filter.startsWith('name='))
        throw new Unsupported(`the stand-in filters by name only, got: ${filter}`);
      names.push(filter.slice(5));
    } else throw new Unsupported(`unknown flag: ${arg}`);
  }
  if (!seen.has('--quiet') && !seen.has('-q')) throw new Unsupported('the stand-in answers ps --quiet only');
  return listContainers(all)
    .filter(({ meta }) => names.every((n) => meta.name.includes(n)))
    .map(({ id }) => `${id}\n`)
    .join('');
}

function pull(args) {
  if (args.length !== 1) throw new Unsupported('pull takes one image');
  if (!NODE_IMAGE.test(args[0]))
    throw new DockerError(`Error response from daemon: pull access denied for ${args[0]} (stand-in)`);
  return `${args[0]}: image is up to date (the stand-in runs OpenWhisk's Node.js action proxy)\n`;
}

function version(args) {
  if (args.length === 0) return `Client:\n Version:           ${CLIENT_VERSION} (palette docker stand-in)\n`;
  if (args.length === 2 && (args[0] === '--format' || args[0] === '-f') && args[1] === '{{.Client.Version}}')
    return `${CLIENT_VERSION}\n`;
  throw new Unsupported(`the stand-in answers version [--format {{.Client.Version}}] only`);
}

function help() {
  const source = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const end = source.findIndex((line) => !line.startsWith('//'));
  return `${source
    .slice(0, end)
    .map((line) => line.replace(/^\/\/ ?/, ''))
    .join('\n')}\n`;
}

async function main() {
  const [command, ...args] = argv;
  switch (command) {
    case '--help':
    case 'help':
      return help();
    case 'version':
      return version(args);
    case 'run':
      return run(args);
    case 'inspect':
      return inspect(args);
    case 'pause':
    case 'unpause':
      return pauseOrUnpause(command, args);
    case 'rm':
      return rm(args);
    case 'ps':
      return ps(args);
    case 'pull':
      return pull(args);
    default:
      throw new Unsupported(`unknown subcommand: ${argv.join(' ') || '(none)'}`);
  }
}

main().then(
  (out) => {
    record(`ok ${argv.join(' ')}`);
    process.stdout.write(out);
  },
  (error) => {
    const status = error instanceof DockerError ? error.status : 1;
    const message = `docker (palette stand-in): ${error.message ?? String(error)}`;
    record(`FAILED(${status}) ${argv.join(' ')}: ${error.message}`);
    if (error instanceof Unsupported) {
      try {
        fs.appendFileSync(
          path.join(stateDir, 'standin-errors.log'),
          `${new Date().toISOString()} ${argv.join(' ')}: ${error.message}\n`,
        );
      } catch {
        // stderr still carries it
      }
    }
    process.stderr.write(`${message}\n`);
    process.exitCode = status;
  },
);
