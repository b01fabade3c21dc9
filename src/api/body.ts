/**
 * Reads a JSON request body with a byte limit (OpenWhisk: 1 MB for invocation payloads, 48 MB for
 * action documents; 413 above). Cheaper than a general body parser on the invoke hot path: no
 * charset handling (JSON is UTF-8), and the Content-Length is checked before a byte is read.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest, messages } from './errors.js';
import { DepthGuard, maxJsonDepth } from './json-depth.js';

/** undefined for an empty body; otherwise the parsed JSON value (400 when it does not parse). */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > limitBytes) throw tooLarge(length, limitBytes);
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
        // Stop reading; the reply goes out and the connection is closed rather than drained.
        cleanup();
        req.pause();
        reject(tooLarge(size, limitBytes));
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

/**
 * The reply closes the connection either way: the rest of the body is never read (node would
 * otherwise drain it, up to gigabytes, to keep the connection alive), and the socket goes once the
 * 413 is written.
 */
function tooLarge(size: number, max: number): ApiError {
  return new ApiError(413, messages.entityTooLarge('request entity', size, max), { Connection: 'close' });
}

export const invokePayloadLimit = 1024 * 1024;
export const actionBodyLimit = 48 * 1024 * 1024;
