/**
 * Over-limit bodies over real sockets (issue 15 item 6): the 413 comes as soon as the limit is
 * crossed, the rest of the body is never read (the connection closes under the sender), and a
 * flood of such uploads leaves the server's memory bounded.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, guestAuth, startTestApi, type TestApi } from './fakes.js';

const MB = 1024 * 1024;
const limit = 48 * MB;
// What loopback socket buffers can hold on both sides beyond what the server read.
const inFlight = 16 * MB;

let api: TestApi;
let port: number;
beforeAll(async () => {
  api = await startTestApi();
  port = Number(new URL(api.url).port);
});
afterAll(async () => {
  await api?.close();
});

const mb = Buffer.alloc(MB, 0x20);
const chunkHead = Buffer.from(`${MB.toString(16)}\r\n`);
const crlf = Buffer.from('\r\n');

/** Uploads up to `total` bytes as fast as the server takes them; resolves when the server closes. */
function upload(chunked: boolean, total: number): Promise<{ reply: string; written: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    let written = 0;
    let closed = false;
    const framing = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`;
    const pump = () => {
      while (!closed && written < total) {
        written += MB;
        const ok = chunked
          ? (socket.write(chunkHead), socket.write(mb), socket.write(crlf))
          : socket.write(mb);
        if (!ok) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.on('connect', () => {
      socket.write(
        `PUT /api/v1/namespaces/_/actions/big HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(guestAuth)}\r\n` +
          `Content-Type: application/json\r\n${framing}\r\n\r\n`,
      );
      pump();
    });
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    socket.on('error', () => undefined); // the server closing under the upload
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ reply, written, ms: Date.now() - started });
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close after 10 s (${written} bytes written); got: ${reply.slice(0, 80)}`));
    }, 10_000);
  });
}

describe('over-limit uploads', () => {
  it('a declared 60 MB body is refused before it is read', async () => {
    const { reply, written } = await upload(false, 60 * MB);
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(written).toBeLessThan(inFlight);
  });

  it('a chunked body is refused when it crosses the limit, and no further', async () => {
    const { reply, written } = await upload(true, 60 * MB);
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(written).toBeLessThan(limit + inFlight);
  });

  it('a flood of over-limit uploads leaves memory bounded', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = Date.now();
    for (let round = 0; round < 6; round++) {
      const results = await Promise.all([
        ...Array.from({ length: 8 }, () => upload(false, 200 * MB)),
        ...Array.from({ length: 2 }, () => upload(true, 200 * MB)),
      ]);
      for (const r of results) expect(r.reply).toMatch(/^HTTP\/1\.1 413 /);
    }
    clearInterval(sample);
    gc?.();
    const after = process.memoryUsage().rss;
    console.info(
      `flood: 60 uploads in ${Date.now() - started} ms; RSS ${Math.round(before / MB)} MB before, ` +
        `peak ${Math.round(peak / MB)} MB, ${Math.round(after / MB)} MB after`,
    );
    // Two chunked uploads at a time may each hold up to the 48 MB limit before their 413.
    expect(peak - before).toBeLessThan(2 * limit + 150 * MB);
    expect((await fetch(`${api.url}/ping`)).status).toBe(200);
  }, 60_000);
});
