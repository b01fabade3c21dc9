/**
 * The bounded waits at start (R26) against loopback stand-ins: a TCP listener for a Kafka broker,
 * a tiny HTTP server for CouchDB, and ports nothing listens on.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer, type Server as NetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerAddress, displayUrl, waitForCouch, waitForKafka } from '../../../src/platform/dependencies.js';
import { freePort } from '../../../src/platform/embedded-couch.js';
import { assertPortFree, listen, plainListenable } from '../../../src/platform/listen.js';

const open: (Server | NetServer)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function tcpListener(): Promise<number> {
  const server = createServer((socket) => socket.destroy());
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A CouchDB stand-in: `/` answers `rootStatus`; `/_session` wants user admin, password secret. */
async function couchStandIn(rootStatus = 200): Promise<string> {
  const server = createHttpServer((req, res) => {
    const auth = req.headers.authorization;
    if (req.url === '/_session') {
      const ok = auth === `Basic ${Buffer.from('admin:secret').toString('base64')}`;
      res.writeHead(ok ? 200 : 401).end('{}');
      return;
    }
    res.writeHead(rootStatus, { 'content-type': 'application/json' }).end('{"couchdb":"Welcome"}');
  });
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe('brokerAddress', () => {
  it('reads host:port and [v6]:port', () => {
    expect(brokerAddress('kafka:9092')).toEqual({ host: 'kafka', port: 9092 });
    expect(brokerAddress('127.0.0.1:19092')).toEqual({ host: '127.0.0.1', port: 19092 });
    expect(brokerAddress('[::1]:9092')).toEqual({ host: '::1', port: 9092 });
  });

  it('refuses anything else naming KAFKA_BROKERS', () => {
    for (const bad of [
      'kafka',
      'kafka:',
      ':9092',
      'kafka:0',
      'kafka:70000',
      'kafka:9092:1',
      'http://kafka:9092',
    ])
      expect(() => brokerAddress(bad), bad).toThrow(/^KAFKA_BROKERS: '.*' is not host:port/);
  });
});

describe('displayUrl', () => {
  it('never shows credentials', () => {
    expect(displayUrl('http://admin:secret@couch:5984/')).toBe('http://couch:5984');
    expect(displayUrl('not a url')).toBe('not a url');
  });
});

describe('waitForKafka', () => {
  it('resolves when one broker of the list accepts connections', async () => {
    const closed = await freePort();
    const port = await tcpListener();
    await waitForKafka([`127.0.0.1:${closed}`, `127.0.0.1:${port}`], 1_000);
  });

  it('gives up after the timeout in one line naming KAFKA_BROKERS and the wait setting', async () => {
    const closed = await freePort();
    const started = Date.now();
    const error = await waitForKafka([`127.0.0.1:${closed}`], 1_000).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(String((error as Error).message)).toMatch(
      new RegExp(
        `^Kafka at 127\\.0\\.0\\.1:${closed} is not reachable \\(ECONNREFUSED\\) after 1 s; check KAFKA_BROKERS.*PALETTE_CONNECT_TIMEOUT_S`,
      ),
    );
  });

  it('waits for a broker that comes up within the timeout', async () => {
    const port = await freePort();
    const server = createServer((socket) => socket.destroy());
    open.push(server);
    setTimeout(() => server.listen(port, '127.0.0.1'), 700);
    await waitForKafka([`127.0.0.1:${port}`], 5_000);
  });
});

describe('waitForCouch', () => {
  it('resolves when CouchDB answers, with or without credentials', async () => {
    const url = await couchStandIn();
    await waitForCouch({ url, setting: 'COUCHDB_URL' }, 1_000);
    await waitForCouch({ url, user: 'admin', password: 'secret', setting: 'COUCHDB_URL' }, 1_000);
  });

  it('refuses wrong credentials at once, naming COUCHDB_USER and COUCHDB_PASSWORD', async () => {
    const url = await couchStandIn();
    const started = Date.now();
    await expect(
      waitForCouch({ url, user: 'admin', password: 'nope', setting: 'COUCHDB_URL' }, 5_000),
    ).rejects.toThrow(/refused the credentials; check COUCHDB_USER and COUCHDB_PASSWORD$/);
    expect(Date.now() - started).toBeLessThan(4_000);
    await expect(
      waitForCouch({ url: await couchStandIn(401), setting: 'COUCHDB_URL' }, 5_000),
    ).rejects.toThrow(/refused the credentials/);
  });

  it('gives up after the timeout naming COUCHDB_URL, without its credentials', async () => {
    const closed = await freePort();
    await expect(
      waitForCouch({ url: `http://admin:secret@127.0.0.1:${closed}/`, setting: 'COUCHDB_URL' }, 1_000),
    ).rejects.toThrow(
      new RegExp(
        `^CouchDB at http://127\\.0\\.0\\.1:${closed} is not reachable \\(ECONNREFUSED\\) after 1 s; check COUCHDB_URL`,
      ),
    );
  });

  it('refuses a server that is not CouchDB-like (an error status) at once', async () => {
    await expect(
      waitForCouch({ url: await couchStandIn(404), setting: 'COUCHDB_URL' }, 5_000),
    ).rejects.toThrow(/answered 404, not as CouchDB does; check COUCHDB_URL/);
  });
});

describe('listen', () => {
  it('answers a port in use with a StartError naming PALETTE_PORT', async () => {
    const port = await tcpListener();
    await expect(assertPortFree(port, '127.0.0.1')).rejects.toThrow(
      `port ${port} is in use; set PALETTE_PORT to a free port`,
    );
    await expect(
      listen(
        plainListenable(() => undefined),
        port,
        '127.0.0.1',
      ),
    ).rejects.toThrow(/set PALETTE_PORT/);
  });

  it('leaves a free port free', async () => {
    const port = await freePort();
    await assertPortFree(port, '127.0.0.1');
    const server = await listen(
      plainListenable((_, res) => res.end('ok')),
      port,
      '127.0.0.1',
    );
    open.push(server);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
  });
});
