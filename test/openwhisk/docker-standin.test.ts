/**
 * The `docker` stand-in on its own (no JVM, no root): each subcommand in the form OpenWhisk's
 * DockerClient runs it, on a container whose "image" is a tiny HTTP server in place of the action
 * proxy (the listen shim must move its `listen(8080)` to the container's loopback address), and the
 * loud failure on anything it does not implement.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './support.js';

const standin = join(root, 'test/support/docker-standin');
let work: string;
let env: NodeJS.ProcessEnv;

function docker(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(standin, 'docker'), args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function answer(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const reply = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return await reply.text();
  } catch {
    return undefined;
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'palette-standin-'));
  env = {
    PATH: process.env.PATH,
    PALETTE_DOCKER_STANDIN_DIR: standin,
    PALETTE_DOCKER_STATE: join(work, 'state'),
    PALETTE_DOCKER_LEASES: join(work, 'leases'),
    PALETTE_DOCKER_PROXY_DIR: work,
  };
  // the "action proxy": listens on 8080 like OpenWhisk's, logs to stdout and stderr
  writeFileSync(
    join(work, 'app.js'),
    `const http = require('node:http');
console.log('proxy up ' + process.pid);
console.error('on stderr');
http.createServer((req, res) => res.end(JSON.stringify({ pid: process.pid, env: process.env.MY_VAR }))).listen(8080);`,
  );
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the docker stand-in', () => {
  it('answers version as DockerClient asks it', async () => {
    expect(await docker('version', '--format', '{{.Client.Version}}')).toMatchObject({
      code: 0,
      stdout: '24.0.0\n',
    });
  });

  it('runs, inspects, pauses, unpauses, lists and removes a container', async () => {
    const name = 'wsk7_3_guest_probe';
    const run = await docker(
      'run',
      '-d',
      '--cpu-shares',
      '128',
      '--memory',
      '256m',
      '--memory-swap',
      '256m',
      '--network',
      'bridge',
      '-e',
      'MY_VAR=hello',
      '--name',
      name,
      '--cap-drop',
      'NET_RAW',
      '--ulimit',
      'nofile=1024:1024',
      '--pids-limit',
      '1024',
      '--log-driver',
      'json-file',
      'openwhisk/action-nodejs-v20:nightly',
    );
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const ip = (
      await docker('inspect', '--format', '{{.NetworkSettings.Networks.bridge.IPAddress}}', id)
    ).stdout.trim();
    expect(ip).toMatch(/^127\.0\.0\.(\d+)$/);
    expect(ip).not.toBe('127.0.0.1');
    expect((await docker('inspect', id, '--format', '{{.State.OOMKilled}}')).stdout).toBe('false\n');
    const config = JSON.parse(readFileSync(join(work, 'state/containers', id, 'config.v2.json'), 'utf8')) as {
      NetworkSettings: { Networks: { bridge: { IPAddress: string } } };
    };
    expect(config.NetworkSettings.Networks.bridge.IPAddress).toBe(ip);

    let body: string | undefined;
    for (let i = 0; i < 100 && body === undefined; i++) {
      body = await answer(`http://${ip}:8080/`, 1_000);
      if (body === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(body, 'the proxy answers on the container address').toBeDefined();
    const { pid, env: seen } = JSON.parse(body!) as { pid: number; env: string };
    expect(seen, 'the -e variables reach the proxy').toBe('hello');

    const log = readFileSync(join(work, 'state/containers', id, `${id}-json.log`), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { log: string; stream: string; time: string });
    expect(log).toContainEqual({
      log: `proxy up ${pid}\n`,
      stream: 'stdout',
      time: expect.any(String) as string,
    });
    expect(log).toContainEqual({ log: 'on stderr\n', stream: 'stderr', time: expect.any(String) as string });

    expect((await docker('pause', id)).code).toBe(0);
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2], 'paused: stopped').toBe('T');
    expect((await docker('unpause', id)).code).toBe(0);
    expect(await answer(`http://${ip}:8080/`, 5_000)).toBeDefined();

    expect((await docker('ps', '--quiet', '--no-trunc', '--all', '--filter', 'name=wsk7_')).stdout).toBe(
      `${id}\n`,
    );
    expect((await docker('ps', '--quiet', '--no-trunc', '--filter', 'name=wsk8_')).stdout).toBe('');

    expect((await docker('rm', '-f', id)).code).toBe(0);
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(`/proc/${pid}`), 'the proxy process is gone').toBe(false);
    expect((await docker('ps', '--quiet', '--no-trunc', '--all')).stdout).toBe('');
    expect(existsSync(join(work, 'leases', ip)), 'the address is free again').toBe(false);
    expect((await docker('rm', '-f', id)).code, 'rm -f of a missing container is no error').toBe(0);
    expect(existsSync(join(work, 'state/standin-errors.log')), 'no unsupported call').toBe(false);
  });

  it('fails loudly on what it does not implement', async () => {
    const exec = await docker('exec', 'abc', 'ls');
    expect(exec.code).not.toBe(0);
    expect(exec.stderr).toBe('docker (palette stand-in): unknown subcommand: exec abc ls\n');
    const image = await docker('run', '-d', '--name', 'x', 'openwhisk/dockerskeleton:nightly');
    expect(image.code).toBe(125);
    const flag = await docker('run', '-d', '--privileged', 'openwhisk/action-nodejs-v20:nightly');
    expect(flag.code).toBe(125);
    const errors = readFileSync(join(work, 'state/standin-errors.log'), 'utf8').trim().split('\n');
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain('exec abc ls: unknown subcommand');
  });
});
