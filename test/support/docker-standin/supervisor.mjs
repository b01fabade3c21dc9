// One per stand-in container: what Docker's engine does for a container, minus isolation. Started
// detached by `docker run -d` (docker.mjs) as the leader of the container's process group. It runs
// OpenWhisk's Node.js action proxy unchanged (`node --expose-gc --require listen-shim.cjs app.js`, the
// image's CMD plus the shim that binds 127.0.0.N:8080), with only the `-e` variables of `docker run`
// (and PATH), and writes its stdout and stderr to <id>-json.log as Docker's json-file driver does:
// one {"log","stream","time"} object per line. Argument: the container's folder.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const dir = process.argv[2];
const meta = JSON.parse(fs.readFileSync(path.join(dir, 'standin.json'), 'utf8'));
const logFile = path.join(dir, `${meta.id}-json.log`);
const log = fs.openSync(logFile, 'a');

/** RFC 3339 with nanoseconds, as Docker writes it. */
const timestamp = () => new Date().toISOString().replace('Z', '000000Z');

function writer(stream) {
  let pending = '';
  const emit = (line) => fs.writeSync(log, `${JSON.stringify({ log: line, stream, time: timestamp() })}\n`);
  return {
    data(chunk) {
      pending += chunk.toString('utf8');
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        emit(pending.slice(0, nl + 1));
        pending = pending.slice(nl + 1);
      }
    },
    flush() {
      if (pending) emit(pending);
      pending = '';
    },
  };
}

const proxy = spawn(
  process.execPath,
  ['--expose-gc', '--require', path.join(meta.standinDir, 'listen-shim.cjs'), 'app.js'],
  {
    cwd: meta.proxyDir,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...meta.env, PALETTE_STANDIN_LISTEN: meta.ip },
    stdio: ['ignore', 'pipe', 'pipe'],
  },
);
fs.writeFileSync(path.join(dir, 'proxy.pid'), String(proxy.pid));
// Kept after `docker rm -f`: which container (and so which invoker) a proxy pid belonged to.
fs.appendFileSync(path.join(dir, '..', '..', 'proxies.log'), `${meta.id} ${proxy.pid} ${meta.name}\n`);
const out = writer('stdout');
const err = writer('stderr');
proxy.stdout.on('data', out.data);
proxy.stderr.on('data', err.data);
proxy.on('close', (code, signal) => {
  out.flush();
  err.flush();
  try {
    const configFile = path.join(dir, 'config.v2.json');
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    config.State = { ...config.State, Running: false, ExitCode: code ?? 128, Signal: signal };
    fs.writeFileSync(configFile, JSON.stringify(config));
  } catch {
    // removed by `docker rm -f` meanwhile
  }
  process.exit(code ?? 1);
});
process.on('SIGTERM', () => proxy.kill('SIGTERM'));
