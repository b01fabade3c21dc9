/**
 * The DAG benchmark's remote object store, run as its own process by bench/lib/remote-store.ts:
 * inside the emulated network's namespace (`ip netns exec`), or on loopback for the token-bucket
 * fallback. It starts a pouchdb-server (the store) and a probe server (raw bytes, to measure the
 * link), both on this namespace's loopback, a delaying relay in front of each on `--listen-host`,
 * and one more relay to the probe that adds nothing (the path's own round trip). Then it reports
 * `{ ready, storePort, probePort, directProbePort }` over IPC. It exits when its parent's IPC
 * channel closes or on SIGTERM, stopping the pouchdb-server with it.
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { startEmbeddedCouch } from '../../src/platform/embedded-couch.js';
import { commandLine, numberOption } from '../../src/platform/cli.js';
import { runMain } from '../../src/platform/start-errors.js';
import { startRelay, type LinkDirection } from './relay.js';
import { TokenBucket } from './token-bucket.js';

const usage = `remote-store-main --listen-host ADDR [--delay-ms 0] [--rate-bytes 0] [--burst-bytes 65536]
  The DAG benchmark's remote store behind a delaying relay (started by bench:dag; see bench/lib/remote-store.ts).
  --delay-ms     one-way delay added per direction (round trip = 2 x this)
  --rate-bytes   token-bucket rate per direction in bytes/s; 0 = not shaped here (tc shapes the veth)`;

const args = commandLine({
  name: 'remote-store-main',
  usage,
  options: {
    'listen-host': { type: 'string' },
    'delay-ms': { type: 'string', default: '0' },
    'rate-bytes': { type: 'string', default: '0' },
    'burst-bytes': { type: 'string', default: String(64 * 1024) },
  },
});

const ZEROS = Buffer.alloc(64 * 1024);

/** GET /bytes/N answers N bytes; PUT /sink reads the body and answers its length; GET / answers ok. */
function startProbe(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const bytes = /^\/bytes\/(\d+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && bytes) {
      let left = Number(bytes[1]);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
      const more = () => {
        while (left > 0) {
          const chunk = ZEROS.subarray(0, Math.min(left, ZEROS.length));
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      return more();
    }
    if (req.method === 'PUT' && req.url === '/sink') {
      let received = 0;
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => res.writeHead(200).end(JSON.stringify({ bytes: received })));
      return;
    }
    res.writeHead(req.url === '/' ? 200 : 404).end(req.url === '/' ? 'ok' : 'not found');
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : 0,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    }),
  );
}

runMain('remote-store-main', async () => {
  const listenHost = args['listen-host'];
  if (!listenHost) throw new Error('remote-store-main: --listen-host is required (see --help)');
  const delayMs = numberOption('delay-ms', args['delay-ms']);
  const rate = numberOption('rate-bytes', args['rate-bytes']);
  const burst = numberOption('burst-bytes', args['burst-bytes']);
  const now = performance.now();
  const direction = (): LinkDirection =>
    rate > 0 ? { delayMs, bucket: new TokenBucket(rate, burst, now) } : { delayMs };
  // One bucket per direction, shared by both relays: one link, as tbf shapes one veth.
  const up = direction();
  const down = direction();

  const couch = await startEmbeddedCouch();
  const probe = await startProbe();
  // The same path through a relay that adds no delay (and no rate): the round trip without the
  // emulated delay, relay hop included, so that the difference is the delay alone.
  const directProbe = await startRelay({
    listenHost,
    targetHost: '127.0.0.1',
    targetPort: probe.port,
    up: { delayMs: 0 },
    down: { delayMs: 0 },
  });
  const storeRelay = await startRelay({
    listenHost,
    targetHost: '127.0.0.1',
    targetPort: couch.port,
    up,
    down,
  });
  const probeRelay = await startRelay({
    listenHost,
    targetHost: '127.0.0.1',
    targetPort: probe.port,
    up,
    down,
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled([
      storeRelay.close(),
      probeRelay.close(),
      probe.close(),
      directProbe.close(),
      couch.stop(),
    ]);
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.send?.({
    ready: true,
    storePort: storeRelay.port,
    probePort: probeRelay.port,
    directProbePort: directProbe.port,
  });
});
