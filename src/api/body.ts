/**
 * Reads a JSON request body with a byte limit (OpenWhisk: 1 MB for invocation payloads, 48 MB for
 * action documents; 413 above). Cheaper than a general body parser on the invoke hot path: no
 * charset handling (JSON is UTF-8), and the Content-Length is checked before a byte is read.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, badRequest, messages } from './errors.js';
import { DepthGuard, maxJsonDepth } from './json-depth.js';

/** undefined for an empty body; otherwise the parsed JSON value (400 when it does not parse). */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > limitBytes) throw tooLarge(req, length, limitBytes);
    if (length === 0) return undefined;
  }
  const { chunks, size, depth } = await readChunks(req, limitBytes);
  if (size === 0) return undefined;
  if (depth.tooDeep) throw badRequest(messages.malformedDetail(`nesting deeper than ${maxJsonDepth} levels`));
  const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, messages.malformedJson);
  }
}

/** A body read as bytes, with the nesting check made while it arrived (for when it is JSON). */
export interface BodyBytes {
  /** Empty when there is none. */
  readonly bytes: Buffer;
  /** Nested deeper than maxJsonDepth, were it parsed as JSON. */
  readonly tooDeep: boolean;
}

/** The body's bytes, 413 above `limitBytes`: for bodies that may not be JSON (web actions). */
export async function readBodyBytes(req: IncomingMessage, limitBytes: number): Promise<BodyBytes> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes)
    throw tooLarge(req, Number(declared), limitBytes);
  const { chunks, size, depth } = await readChunks(req, limitBytes);
  return { bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), tooDeep: depth.tooDeep };
}

/**
 * The body's bytes, through 'data'/'end' listeners rather than the stream's async iterator, which
 * adds promise hops per chunk and at the end on the invoke hot path.
 */
function readChunks(
  req: IncomingMessage,
  limitBytes: number,
): Promise<{ chunks: Buffer[]; size: number; depth: DepthGuard }> {
  const depth = new DepthGuard(maxJsonDepth);
  if (req.readableEnded) return Promise.resolve({ chunks: [], size: 0, depth });
  // Gone while we waited (auth runs first): its 'close' has fired already and no event will come.
  if (req.destroyed) return Promise.reject(req.errored ?? new Error('request closed before its body ended'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        // Nothing more is kept: the rest is discarded until the connection closes (tooLarge).
        cleanup();
        chunks.length = 0;
        req.resume();
        reject(tooLarge(req, size, limitBytes));
        return;
      }
      depth.feed(chunk);
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, size, depth });
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => onError(new Error('request closed before its body ended'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** How long a refused sender may keep sending (discarded) after its 413 before the socket goes. */
export const lingerMs = 2_000;

/**
 * The 413 closes the connection: node would otherwise drain the rest to keep it alive, waiting as
 * long as a declared length is not met. The close lingers (as web servers' lingering close): the
 * write side ends after the 413, and what the client still sends is discarded for at most
 * `lingerMs`. Destroying the socket at once would send an RST while the client's data is unread,
 * which can make the client lose the 413 it was sent.
 */
export function tooLarge(req: IncomingMessage, size: number, max: number): ApiError {
  const socket = req.socket as Socket | null;
  if (socket && !socket.destroyed) {
    // node calls destroySoon once a `Connection: close` reply is written.
    socket.destroySoon = () => {
      socket.end();
      socket.resume();
      const timer = setTimeout(() => socket.destroy(), lingerMs).unref();
      socket.once('close', () => clearTimeout(timer));
      // The client's own close ends the linger early.
      socket.once('end', () => socket.destroy());
    };
  }
  return new ApiError(413, messages.entityTooLarge('request entity', size, max), { Connection: 'close' });
}

export const invokePayloadLimit = 1024 * 1024;
export const actionBodyLimit = 48 * 1024 * 1024;
