import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readJsonBody } from '../../../src/api/body.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

/** A server whose handler waits `delayMs` (as authentication does) and then reads the body. */
async function readingServer(delayMs: number): Promise<{ port: number; outcome: Promise<string> }> {
  let settle: (outcome: string) => void = () => undefined;
  const outcome = new Promise<string>((resolve) => (settle = resolve));
  const server = createServer((req: IncomingMessage) => {
    setTimeout(() => {
      readJsonBody(req, 1024 * 1024).then(
        (value) => settle(`read ${JSON.stringify(value)}`),
        (err: unknown) => settle(`failed: ${String(err)}`),
      );
    }, delayMs);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, outcome };
}

/** Sends the headers and part of a declared 100-byte body, then drops the connection. */
function abandon(port: number, waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        'POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":',
      );
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, waitMs);
    });
  });
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<string>((r) => setTimeout(() => r('still pending'), ms))]);

describe('readJsonBody', () => {
  it('fails when the client goes away before the body is read (no pending promise)', async () => {
    const { port, outcome } = await readingServer(200);
    await abandon(port, 20);
    expect(await within(outcome, 2000)).toMatch(/^failed:/);
  });

  it('fails when the client goes away while the body is being read', async () => {
    const { port, outcome } = await readingServer(0);
    await abandon(port, 200);
    expect(await within(outcome, 2000)).toMatch(/^failed:/);
  });

  it('reads a body that arrived in full before the read started', async () => {
    const { port, outcome } = await readingServer(100);
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        'POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
      );
    });
    expect(await within(outcome, 2000)).toBe('read {"a":1}');
    socket.destroy();
  });
});
