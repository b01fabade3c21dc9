/**
 * Reads a JSON request body with a byte limit (OpenWhisk: 1 MB for invocation payloads, 48 MB for
 * action documents; 413 above). Cheaper than a general body parser on the invoke hot path: no
 * charset handling (JSON is UTF-8), and the Content-Length is checked before a byte is read.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, messages } from './errors.js';

/** undefined for an empty body; otherwise the parsed JSON value (400 when it does not parse). */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > limitBytes) throw tooLarge(length, limitBytes);
    if (length === 0) return undefined;
  }
  const { chunks, size } = await readChunks(req, limitBytes);
  if (size === 0) return undefined;
  const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, messages.malformedJson);
  }
}

/** The body's bytes (empty when none), 413 above `limitBytes`: for bodies that are not JSON (web actions). */
export async function readBodyBytes(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) throw tooLarge(Number(declared), limitBytes);
  const { chunks, size } = await readChunks(req, limitBytes);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/**
 * The body's bytes, through 'data'/'end' listeners rather than the stream's async iterator, which
 * adds promise hops per chunk and at the end on the invoke hot path.
 */
function readChunks(req: IncomingMessage, limitBytes: number): Promise<{ chunks: Buffer[]; size: number }> {
  if (req.readableEnded) return Promise.resolve({ chunks: [], size: 0 });
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
        // Stop reading; the reply goes out and the connection is closed rather than drained.
        cleanup();
        req.pause();
        reject(tooLarge(size, limitBytes, true));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, size });
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

function tooLarge(size: number, max: number, atLeast = false): ApiError {
  const err = new ApiError(413, messages.entityTooLarge('request entity', size, max));
  if (atLeast) err.headers.Connection = 'close';
  return err;
}

export const invokePayloadLimit = 1024 * 1024;
export const actionBodyLimit = 48 * 1024 * 1024;
