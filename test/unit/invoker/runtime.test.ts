/**
 * The action runtime speaks OpenWhisk's Node.js runtime protocol: spawned as a real child
 * process and driven over HTTP, as the invoker drives it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Container, type CallResult } from '../../../src/invoker/container.js';

const started: Container[] = [];
async function container(): Promise<Container> {
  const c = await Container.start({
    id: `t${started.length}`,
    memoryMB: 128,
    env: { PATH: process.env.PATH ?? '' },
  });
  started.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((c) => c.destroy()));
});

function body(call: CallResult): { status: number; json: unknown } {
  if (call.outcome.kind !== 'ok') throw new Error(`expected an HTTP answer, got ${call.outcome.kind}`);
  return { status: call.outcome.status, json: JSON.parse(call.outcome.body) };
}

const init = (c: Container, code: string, extra: Record<string, unknown> = {}) =>
  c.initialize({ name: 'a', main: 'main', code, binary: false, ...extra }, 5000);
const logs = (c: Container, waitForSentinel = true) =>
  c.collectLogs({ limitBytes: 1024 * 1024, waitForSentinel, timeoutMs: 2000 });

describe('action runtime protocol', () => {
  it('keeps global state between runs of a warm container and sets __OW_ variables', async () => {
    const c = await container();
    const code =
      'let count = 0; function main(p) { count++; console.log("run", count); return { count, p, id: process.env.__OW_ACTIVATION_ID, ns: process.env.__OW_NAMESPACE, initArg: process.env.SECRET }; }';
    expect(body(await init(c, code, { env: { SECRET: 's3', __OW_NAMESPACE: 'guest' } }))).toEqual({
      status: 200,
      json: { OK: true },
    });
    const first = body(await c.run({ value: { x: 1 }, activation_id: 'a1', namespace: 'guest' }, 5000));
    expect(first).toEqual({
      status: 200,
      json: { count: 1, p: { x: 1 }, id: 'a1', ns: 'guest', initArg: 's3' },
    });
    expect((await logs(c)).map((l) => l.slice(31))).toEqual(['stdout: run 1']);
    const second = body(await c.run({ value: { x: 2 }, activation_id: 'a2' }, 5000));
    expect(second.json).toMatchObject({ count: 2, p: { x: 2 }, id: 'a2' });
    expect((await logs(c)).map((l) => l.slice(31))).toEqual(['stdout: run 2']);
  });

  it('accepts exports.main, module.exports with another entry point, async main and promises', async () => {
    const forms: [string, string, unknown][] = [
      ['exports.main = (p) => ({ v: p.v + 1 })', 'main', { v: 2 }],
      ['module.exports.handler = (p) => ({ h: p.v })', 'handler', { h: 1 }],
      [
        'async function main(p) { await new Promise((r) => setTimeout(r, 5)); return { a: p.v }; }',
        'main',
        { a: 1 },
      ],
      ['function main() { return Promise.resolve([1, 2]); }', 'main', [1, 2]],
      ['function main() { return; }', 'main', {}],
      ['function main() { return { error: "nope" }; }', 'main', { error: 'nope' }],
      ['function main() { return Promise.reject("str"); }', 'main', { error: 'str' }],
      ['function main() { return Promise.reject(); }', 'main', { error: {} }],
    ];
    for (const [code, main, expected] of forms) {
      const c = await container();
      expect(body(await init(c, code, { main })).status).toBe(200);
      expect(body(await c.run({ value: { v: 1 } }, 5000))).toEqual({ status: 200, json: expected });
    }
  });

  it('rejects a second /init and a /run before /init, as the nodejs runtime does', async () => {
    const c = await container();
    expect(body(await c.run({ value: {} }, 5000))).toEqual({
      status: 403,
      json: { error: 'System not initialized.' },
    });
    expect(body(await init(c, 'function main() { return {}; }')).status).toBe(200);
    expect(body(await init(c, 'function main() { return {}; }'))).toEqual({
      status: 403,
      json: { error: 'Cannot initialize the action more than once.' },
    });
  });

  it('answers a synchronous throw with 502 and stops, writing the sentinels', async () => {
    const c = await container();
    await init(c, 'function main() { throw new Error("boom"); }');
    expect(body(await c.run({ value: {} }, 5000))).toEqual({
      status: 502,
      json: { error: 'An error has occurred: Error: boom' },
    });
    const lines = await logs(c, false);
    expect(lines[0]).toMatch(/stderr: Error: boom$/);
    expect(body(await c.run({ value: {} }, 5000))).toEqual({
      status: 403,
      json: { error: 'System not ready, status is stopped.' },
    });
  });

  it('serializes a rejected Error like serialize-error', async () => {
    const c = await container();
    await init(c, 'async function main() { throw new TypeError("bad"); }');
    const { status, json } = body(await c.run({ value: {} }, 5000));
    expect(status).toBe(200);
    expect(json).toMatchObject({ error: { name: 'TypeError', message: 'bad' } });
  });

  it('fails init on a syntax error or a missing entry point with 502', async () => {
    const c = await container();
    const r = body(await init(c, 'function main( {'));
    expect(r.status).toBe(502);
    expect((r.json as { error: string }).error).toMatch(/^Initialization has failed due to: SyntaxError/);
    const d = await container();
    expect(body(await init(d, 'const x = 1;'))).toEqual({
      status: 502,
      json: { error: "Initialization has failed due to: Action entrypoint 'main' is not a function." },
    });
    const e = await container();
    expect(body(await e.initialize({ name: 'a', binary: false }, 5000))).toEqual({
      status: 403,
      json: { error: 'Missing main/no code to execute.' },
    });
  });

  it('reports a run that exceeds its time limit as a timeout', async () => {
    const c = await container();
    await init(c, 'function main() { return new Promise(() => {}); }');
    const call = await c.run({ value: {} }, 300);
    expect(call.outcome.kind).toBe('timeout');
    expect(call.endMs - call.startMs).toBeGreaterThanOrEqual(290);
  });

  it('reports a process that exits during a run as a connection failure, with its last output', async () => {
    const c = await container();
    await init(c, 'function main() { console.log("about to die"); process.exit(7); }');
    const call = await c.run({ value: {} }, 5000);
    expect(call.outcome.kind).toBe('connection');
    await vi.waitFor(() => expect(c.alive).toBe(false));
    expect((await logs(c, false)).map((l) => l.slice(31))).toEqual(['stdout: about to die']);
  });

  it('gives actions a module-scoped require for Node built-ins', async () => {
    const c = await container();
    await init(
      c,
      'const os = require("node:os"); function main() { return { ok: typeof os.hostname() === "string" }; }',
    );
    expect(body(await c.run({ value: {} }, 5000)).json).toEqual({ ok: true });
  });

  it('runs a binary action: a base64 tar.gz with index.js, as the nodejs runtime unpacks it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'palette-binary-action-'));
    try {
      writeFileSync(join(dir, 'index.js'), 'let n = 0; exports.main = (p) => ({ zipped: true, n: ++n, p });');
      execFileSync('tar', ['-czf', join(dir, 'action.tgz'), '-C', dir, 'index.js']);
      const code = readFileSync(join(dir, 'action.tgz')).toString('base64');
      const c = await container();
      expect(body(await c.initialize({ name: 'z', main: 'main', code, binary: true }, 5000)).status).toBe(
        200,
      );
      expect(body(await c.run({ value: { a: 1 } }, 5000)).json).toEqual({ zipped: true, n: 1, p: { a: 1 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
