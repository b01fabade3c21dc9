/**
 * "First byte" of a request (DECISIONS R22): the first socket `data` event after the previous
 * reply finished. A server whose stages are timed stamps its sockets here; the invoke path takes
 * the stamp when its listener runs. Listening to `data` makes node hand the socket's bytes to
 * JavaScript instead of its native parser; that cost is part of what PALETTE_STAGE_TIMING=off
 * measures. Without a stamp (a socket not seen, or a pipelined request) the listener's own start is
 * used.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { now } from '../controller/stage-timing.js';

const stamp = Symbol('paletteFirstByte');
/** NaN: waiting for a request's first byte; -1: a request is being handled. */
type StampedSocket = Socket & { [stamp]?: number };

/** Stamps the sockets of connections opened while `enabled()` says so. */
export function stampFirstBytes(server: Server, enabled: () => boolean): void {
  server.on('connection', (socket: StampedSocket) => {
    if (!enabled()) return;
    socket[stamp] = NaN;
    socket.on('data', () => {
      const at = socket[stamp]!;
      if (at !== at) socket[stamp] = now();
    });
  });
}

/** The request's first byte (ms, performance.now()); marks the socket busy until `releaseFirstByte`. */
export function takeFirstByte(req: IncomingMessage): number {
  const socket = req.socket as StampedSocket;
  const at = socket[stamp];
  socket[stamp] = -1;
  return at === undefined || at !== at || at < 0 ? now() : at;
}

/** The reply is finished: the socket's next `data` is the next request's first byte. */
export function releaseFirstByte(req: IncomingMessage): void {
  const socket = req.socket as StampedSocket;
  if (socket[stamp] !== undefined) socket[stamp] = NaN;
}
