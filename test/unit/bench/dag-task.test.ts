/**
 * The dag-task action's store rules, run in-process against a loopback stand-in for the CouchDB
 * attachment API (database PUT, document GET, attachment GET/PUT): where an output is written
 * with and without `remote: false`, and that an input in neither store is a reported miss.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

interface DagTaskResult {
  bytesReadLocal: number;
  bytesReadRemote: number;
  bytesWrittenLocal?: number;
  bytesWrittenRemote?: number;
  inputs?: { key: string; source: string }[];
  error?: { message: string; missing: string[] };
}

/** The action as the runtime loads it: a CommonJS module (the package itself is ESM). */
function loadAction(): { main: (params: Record<string, unknown>) => Promise<DagTaskResult> } {
  const code = readFileSync(new URL('../../../actions/dag-task.js', import.meta.url), 'utf8');
  const module = { exports: {} as { main: (params: Record<string, unknown>) => Promise<DagTaskResult> } };
  new Function('require', 'module', 'exports', code)(createRequire(import.meta.url), module, module.exports);
  return module.exports;
}
const dagTask = loadAction();

const attachments = new Map<string, Buffer>();
let dropNextRequests = 0;
let server: Server;
let couchUrl: string;
const stores: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (dropNextRequests > 0) {
      // A connection the store closes as the request arrives: the client sees "fetch failed".
      dropNextRequests--;
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const parts = (req.url ?? '').split('?')[0]!.split('/').filter(Boolean);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (parts.length === 1) return reply(req.method === 'PUT' ? 201 : 200, { ok: true });
      const doc = parts.slice(0, 2).join('/');
      if (parts.length === 2)
        return attachments.has(doc)
          ? reply(200, { _id: doc, _rev: '1-a' })
          : reply(404, { error: 'not_found' });
      if (req.method === 'PUT') {
        attachments.set(doc, Buffer.concat(chunks));
        return reply(201, { ok: true });
      }
      const data = attachments.get(doc);
      if (!data) return reply(404, { error: 'not_found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(data);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  couchUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const dir of stores) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  delete process.env.PALETTE_LOCAL_STORE;
});

/** Runs the action as if on the invoker whose local store is `store`. */
function on(store: string, params: Record<string, unknown>): Promise<DagTaskResult> {
  process.env.PALETTE_LOCAL_STORE = store;
  return dagTask.main({ couchUrl, db: 'dag_unit', size: 4096, ...params });
}

function newStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dag-task-'));
  stores.push(dir);
  return dir;
}

describe('dag-task stores', () => {
  it('writes remotely by default, so a consumer on another invoker reads it there', async () => {
    const [a, b] = [newStore(), newStore()];
    const producer = await on(a, { key: 'r1' });
    expect(producer.bytesWrittenRemote).toBe(4096);
    expect(attachments.has('dag_unit/dag%3Ar1')).toBe(true);
    const elsewhere = await on(b, { key: 'r2', inputs: ['r1'] });
    expect(elsewhere).toMatchObject({ bytesReadRemote: 4096, bytesReadLocal: 0 });
  });

  it('with remote: false writes only locally; a consumer on the same invoker reads it there', async () => {
    const a = newStore();
    const producer = await on(a, { key: 'l1', remote: false });
    expect(producer).toMatchObject({ bytesWrittenRemote: 0, bytesWrittenLocal: 4096 });
    expect(attachments.has('dag_unit/dag%3Al1')).toBe(false);
    const consumer = await on(a, { key: 'l2', inputs: ['l1'] });
    expect(consumer).toMatchObject({ bytesReadLocal: 4096, bytesReadRemote: 0 });
    expect(consumer.error).toBeUndefined();
  });

  it('reports an input in neither store as a miss naming it, instead of computing without it', async () => {
    const [a, b] = [newStore(), newStore()];
    await on(a, { key: 'm1', remote: false });
    await on(a, { key: 'm2' });
    const moved = await on(b, { key: 'm3', inputs: ['m1', 'm2'] });
    expect(moved.error?.message).toMatch(/neither/);
    expect(moved.error?.missing).toEqual(['m1']);
    expect(attachments.has('dag_unit/dag%3Am3')).toBe(false);
    // Recomputing the producer with the remote write lets the consumer run anywhere.
    await on(a, { key: 'm1' });
    expect(await on(b, { key: 'm3', inputs: ['m1', 'm2'] })).toMatchObject({ bytesReadRemote: 8192 });
  });

  it('repeats a request whose connection dropped (twice at most), and then gives up', async () => {
    const [a, b] = [newStore(), newStore()];
    dropNextRequests = 2;
    expect(await on(a, { key: 'd1' })).toMatchObject({ bytesWrittenRemote: 4096 });
    dropNextRequests = 2;
    expect(await on(b, { key: 'd2', inputs: ['d1'] })).toMatchObject({ bytesReadRemote: 4096 });
    dropNextRequests = 3;
    await expect(on(b, { key: 'd3', inputs: ['d1'] })).rejects.toThrow(/fetch failed/);
    dropNextRequests = 0;
  });
});
