/**
 * Hostile input (issue 15 item 6): bad query values and over-deep bodies are 400s in OpenWhisk's
 * shape, never 500s; over-limit bodies are refused with 413 as soon as the limit is crossed.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { activationDoc, basic, guestAuth, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
const hex = (n: number) => n.toString(16).padStart(32, '0');

beforeEach(async () => {
  api = await startTestApi();
  api.activations.add(activationDoc({ activationId: hex(1), start: 1000 }));
  api.placements.records.set(hex(1), {
    namespace: 'guest',
    color: 'red',
    policy: 'palette',
    at: 1000,
  });
  const put = await api.call('PUT', '/api/v1/namespaces/_/actions/hello', {
    body: { exec: { kind: 'nodejs:20', code: 'function main(p) { return p; }' } },
  });
  expect(put.status).toBe(200);
});
afterEach(async () => {
  await api.close();
});

async function expectOpenWhiskError(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { error: unknown; code: unknown };
  expect(typeof body.error).toBe('string');
  expect(typeof body.code).toBe('string');
  return body.error as string;
}

describe('activation time bounds', () => {
  // CouchDB refuses a descending range whose start sorts below its end (the fakes do the same).
  it.each([
    '?upto=-1',
    '?since=5000&upto=10',
    '?upto=-1&count=true',
    '?upto=-1&color=red',
    '?upto=-1&docs=true',
  ])('answers an empty window %s with nothing, not a 500', async (query) => {
    const res = await api.call('GET', `/api/v1/namespaces/_/activations${query}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as unknown;
    expect(body).toEqual(query.includes('count') ? { activations: 0 } : []);
  });

  it('still lists within any 64-bit window', async () => {
    const res = await api.call(
      'GET',
      '/api/v1/namespaces/_/activations?since=-9223372036854775808&upto=9223372036854775807',
    );
    expect(res.status).toBe(200);
    expect((await res.json()) as unknown[]).toHaveLength(1);
  });
});

describe('malformed query values', () => {
  const values = [
    '-1.5',
    'NaN',
    'Infinity',
    '1e3',
    'abc',
    '0x10',
    ' 1',
    '9223372036854775808',
    '-9223372036854775809',
    '99999999999999999999999999',
    '9'.repeat(5000),
    '%E2%82%AC',
  ];
  const cases = values.map((v) => [v.length > 40 ? `${v.slice(0, 12)}... (${v.length} chars)` : v, v]);
  for (const name of ['since', 'upto', 'limit', 'skip']) {
    it.each(cases)(`'${name}=%s' is a 400 naming the parameter`, async (_label, value) => {
      const res = await api.call('GET', `/api/v1/namespaces/_/activations?${name}=${value}`);
      const error = await expectOpenWhiskError(res, 400);
      expect(error).toBe(
        `The query parameter '${name}' was malformed:\n'${decodeURIComponent(value!)}' is not a valid 64-bit signed integer value`,
      );
    });
  }

  it.each(['limit=-1', 'limit=201', 'skip=-1', 'skip=9007199254740993', 'skip=9223372036854775807'])(
    '%s is out of range: 400',
    async (query) => {
      for (const collection of ['activations', 'actions', 'packages']) {
        const res = await api.call('GET', `/api/v1/namespaces/_/${collection}?${query}`);
        expect(await expectOpenWhiskError(res, 400)).toMatch(/is not in the range of 0 to/);
      }
    },
  );

  it.each(['-1', '0', 'NaN', '1.5', '9'.repeat(30), '300001', 'x'])(
    'an invoke with timeout=%s is a 400',
    async (value) => {
      const res = await api.call(
        'POST',
        `/api/v1/namespaces/_/actions/hello?blocking=true&timeout=${value}`,
        {
          body: {},
        },
      );
      await expectOpenWhiskError(res, 400);
    },
  );

  it.each(['blocking=maybe', 'result=2', 'overwrite=-1', 'docs=NaN', 'count=%00'])(
    '%s is a 400',
    async (query) => {
      const path = query.startsWith('overwrite')
        ? '/api/v1/namespaces/_/actions/hello'
        : query.startsWith('docs') || query.startsWith('count')
          ? '/api/v1/namespaces/_/activations'
          : '/api/v1/namespaces/_/actions/hello';
      const method = query.startsWith('overwrite')
        ? 'PUT'
        : query.startsWith('docs') || query.startsWith('count')
          ? 'GET'
          : 'POST';
      const res = await api.call(method, `${path}?${query}`, method === 'GET' ? {} : { body: {} });
      expect(await expectOpenWhiskError(res, 400)).toMatch(/was malformed:\n.* is not a valid Boolean value/);
    },
  );
});

describe('over-deep JSON bodies', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

  it.each([
    ['PUT', '/api/v1/namespaces/_/actions/deep'],
    ['POST', '/api/v1/namespaces/_/actions/hello'],
    ['POST', '/api/v1/namespaces/_/actions/hello?blocking=true'],
    ['PUT', '/api/v1/namespaces/_/packages/deep'],
  ])('%s %s with 100,000 nested arrays is a 400', async (method, path) => {
    for (const raw of [deep(100_000), `{"exec":${deep(100_000)}}`, deepObject(100_000)]) {
      const res = await api.call(method, path, { raw });
      expect(await expectOpenWhiskError(res, 400)).toBe(
        'The request content was malformed:\nnesting deeper than 512 levels',
      );
    }
  });

  it('counts brackets inside strings as text', async () => {
    const res = await api.call('POST', '/api/v1/namespaces/_/actions/hello', {
      raw: JSON.stringify({ text: '['.repeat(10_000) + '\\"[' }),
    });
    expect(res.status).toBe(202);
  });

  it('takes a payload at the depth limit', async () => {
    const res = await api.call('POST', '/api/v1/namespaces/_/actions/hello', {
      raw: `{"a":${deep(511)}}`,
    });
    expect(res.status).toBe(202);
  });
});

/** Sends `total` bytes of PUT body over a real socket; resolves with the status and how long it took. */
function bigPut(total: number, chunked: boolean): Promise<{ status: number; ms: number; sent: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const headers: Record<string, string | number> = {
      authorization: basic(guestAuth),
      'content-type': 'application/json',
    };
    if (!chunked) headers['content-length'] = total;
    const req = request(`${api.url}/api/v1/namespaces/_/actions/big`, { method: 'PUT', headers });
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    req.on('response', (res) => {
      answered = true;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - started, sent }));
    });
    // The server closes the connection under the rest of the upload: expected once answered.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.flushHeaders();
    pump();
  });
}

describe('over-limit bodies over a real socket', () => {
  it.each([false, true])(
    'a 60 MB PUT (chunked: %s) answers 413 promptly',
    async (chunked) => {
      const { status, ms, sent } = await bigPut(60 * 1024 * 1024, chunked);
      expect(status).toBe(413);
      expect(ms).toBeLessThan(5_000);
      // Refused while the upload was still going: the rest was never read.
      if (!chunked) expect(sent).toBeLessThan(60 * 1024 * 1024);
      // The server is still fine.
      expect((await fetch(`${api.url}/ping`)).status).toBe(200);
    },
    20_000,
  );

  it.each(['content-length: 62914560', 'transfer-encoding: chunked'])(
    'with %s, answers 413 and closes the connection without reading the rest',
    async (framing) => {
      const port = Number(new URL(api.url).port);
      const chunked = framing.startsWith('transfer');
      const outcome = await new Promise<{ reply: string; closedMs: number }>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let reply = '';
        const started = Date.now();
        const mb = Buffer.alloc(1024 * 1024, 0x20);
        socket.on('connect', () => {
          socket.write(
            `PUT /api/v1/namespaces/_/actions/big HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic(guestAuth)}\r\n` +
              `Content-Type: application/json\r\n${framing}\r\n\r\n`,
          );
          // Past the limit when chunked; a part of the declared length otherwise. Then the client
          // goes quiet: the server must not wait for (or read) the rest.
          for (let i = 0; i < (chunked ? 49 : 1); i++)
            socket.write(chunked ? Buffer.concat([Buffer.from('100000\r\n'), mb, Buffer.from('\r\n')]) : mb);
        });
        socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve({ reply, closedMs: Date.now() - started }));
        setTimeout(() => {
          socket.destroy();
          reject(new Error(`connection still open after 5 s; got: ${reply.slice(0, 100)}`));
        }, 5_000);
      });
      expect(outcome.reply).toMatch(/^HTTP\/1\.1 413 /);
      expect(outcome.reply.toLowerCase()).toContain('connection: close');
      expect(outcome.reply).toContain('exceeds allowed threshold of 50331648 bytes');
    },
    10_000,
  );
});

describe('requests the HTTP parser refuses', () => {
  const cases: [string, string, number][] = [
    ['a garbage request line', 'GARBAGE\r\n\r\n', 400],
    ['a header without a colon', 'GET /ping HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n', 400],
    ['a NUL in the target', 'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    [
      'both framings',
      'POST /ping HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      400,
    ],
    [
      'a bad chunk size',
      'PUT /api/v1/namespaces/_/actions/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      400,
    ],
    ['20 kB of headers', `GET /ping HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
  ];
  it.each(cases)('%s: a 4xx in OpenWhisk shape, then the connection closes', async (_what, raw, status) => {
    const port = Number(new URL(api.url).port);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(raw));
      let got = '';
      socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(got));
    });
    expect(reply.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { error: unknown; code: unknown };
    expect(typeof body.error).toBe('string');
    expect(typeof body.code).toBe('string');
    expect((await fetch(`${api.url}/ping`)).status).toBe(200);
  });
});
