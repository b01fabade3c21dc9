/**
 * A TCP relay that adds the emulated link's delay (netem is not in this kernel, R5) and, on the
 * fallback path without network namespaces, its rate too. Every chunk read from one side is
 * written to the other side `delayMs` after it arrived (after it was allowed through the
 * direction's token bucket, when there is one): a fixed one-way latency per packet, as on a
 * longer wire, without changing the order of bytes.
 *
 * Timers have 1 ms resolution and fire late on a busy machine, so each timer is set early by the
 * lateness measured so far and releases what is due by then: the one-way delay is right on
 * average to a fraction of a millisecond (the bench measures the round trip before it runs).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TokenBucket } from './token-bucket.js';

/** One direction of the link. */
export interface LinkDirection {
  readonly delayMs: number;
  /** Shared by every connection through the relay(s) in this direction: one link. */
  readonly bucket?: TokenBucket;
}

export interface RelayOptions {
  readonly listenHost: string;
  /** 0 or absent: a free port. */
  readonly listenPort?: number;
  readonly targetHost: string;
  readonly targetPort: number;
  /** Client to target (uploads to the store). */
  readonly up: LinkDirection;
  /** Target to client (downloads from the store). */
  readonly down: LinkDirection;
}

export interface Relay {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Bytes held in one direction's delay line before reading pauses. It must exceed the
 * bandwidth-delay product (e.g. 128 MiB/s x 5 ms = 640 KiB), or the relay caps the rate itself.
 */
const HIGH_WATER_BYTES = 8 * 2 ** 20;

/** How late timers fire, on average (an exponentially weighted mean, clamped to 0..5 ms). */
class Lateness {
  /** Starts at 1 ms, what an idle loop shows, and learns from every timer that fires. */
  estimateMs = 1;
  observe(lateMs: number): void {
    const clamped = Math.min(5, Math.max(-1, lateMs));
    this.estimateMs = Math.max(0, this.estimateMs + 0.1 * (clamped - this.estimateMs));
  }
}

/** Shared by all delay lines of the process: they run on the same event loop. */
const lateness = new Lateness();

/** Copies `from` to `to` through one direction of the link. */
export function delayedPipe(from: Socket, to: Socket, direction: LinkDirection): void {
  if (direction.delayMs <= 0 && !direction.bucket) {
    from.pipe(to);
    return;
  }
  const queue: { chunk: Buffer; due: number }[] = [];
  let queuedBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let blocked = false;
  let ended = false;

  let armedFor = 0;
  const arm = () => {
    if (timer || blocked || queue.length === 0) return;
    // Timers fire late (1 ms resolution, a busy loop): aim early by the lateness seen so far.
    armedFor = queue[0]!.due - lateness.estimateMs;
    timer = setTimeout(flush, Math.max(0, Math.round(armedFor - performance.now())));
  };
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    lateness.observe(now - armedFor);
    const horizon = now + Math.max(0.5, lateness.estimateMs);
    while (queue.length > 0 && queue[0]!.due <= horizon && !blocked) {
      const { chunk } = queue.shift()!;
      queuedBytes -= chunk.length;
      if (!to.write(chunk)) {
        blocked = true;
        to.once('drain', () => {
          blocked = false;
          flush();
        });
      }
    }
    if (queuedBytes < HIGH_WATER_BYTES && from.isPaused()) from.resume();
    if (queue.length === 0 && ended) to.end();
    else arm();
  };

  from.on('data', (chunk: Buffer) => {
    const now = performance.now();
    const sendAt = direction.bucket ? direction.bucket.reserve(chunk.length, now) : now;
    queue.push({ chunk, due: sendAt + direction.delayMs });
    queuedBytes += chunk.length;
    if (queuedBytes >= HIGH_WATER_BYTES) from.pause();
    arm();
  });
  from.on('end', () => {
    ended = true;
    if (queue.length === 0) to.end();
  });
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (client) => {
    const upstream = createConnection({ host: options.targetHost, port: options.targetPort, noDelay: true });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    delayedPipe(client, upstream, options.up);
    delayedPipe(upstream, client, options.down);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, options.listenHost, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
