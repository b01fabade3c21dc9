/**
 * Requests node's HTTP parser refuses before any route runs (garbage request lines, bad header
 * syntax, oversized headers, conflicting framing). node's default answers a bare status line; R20
 * wants every 4xx in OpenWhisk's `{"error", "code"}` shape, so this answers with a body, then
 * closes (the connection's framing can no longer be trusted).
 */
import type { Duplex } from 'node:stream';
import { newTransactionId } from '../protocol/index.js';

const replies: Record<string, readonly [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'The request headers are too large.'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large', 'The request chunk extensions are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'The request was not received in time.'],
};
const malformed = [400, 'Bad Request', 'The request is not valid HTTP.'] as const;

export function replyToClientError(err: Error & { code?: string }, socket: Duplex): void {
  const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
  // A reset needs no answer, and once a reply has started another one would corrupt it.
  if (err.code !== 'ECONNRESET' && socket.writable && written === 0) {
    const [status, reason, message] = replies[err.code ?? ''] ?? malformed;
    const body = JSON.stringify({ error: message, code: newTransactionId(Date.now())[0] });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
