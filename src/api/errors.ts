/**
 * OpenWhisk's error replies (common/scala/.../http/ErrorResponse.scala): every error is
 * `{"error": "<message>", "code": "<transaction id>"}`. The `code` matters: `wsk` shows the message
 * only when both fields are present, and otherwise reports a connection failure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const messages = {
  notFound: 'The requested resource does not exist.',
  notAuthorized: 'The supplied authentication is not authorized to access this resource.',
  authMissing: 'The resource requires authentication, which was not supplied with the request.',
  authInvalid: 'The supplied authentication is invalid.',
  conflict: 'resource already exists',
  conformance: 'Resource by this name exists but is not in this collection.',
  /** akka-http's default for 503, what OpenWhisk answers when its load balancer fails (LoadBalancerException). */
  serviceUnavailable:
    'The server is currently unavailable (because it is overloaded or down for maintenance).',
  entityTooLarge: (what: string, size: number, max: number) =>
    `The request content was malformed: ${what} of ${size} bytes exceeds allowed threshold of ${max} bytes.`,
  malformedJson: 'The request content was malformed.',
  /** akka-http's MalformedRequestContentRejection, as OpenWhisk words it. */
  malformedDetail: (detail: string) => `The request content was malformed:\n${detail}`,
  invalidActivationId: 'The activation id is not valid.',
  timeout: (max: number) => `Timeout must be number of milliseconds up to ${max}.`,
  noInvokers: 'No invokers available.',
  internal: 'Internal server error.',
  methodNotAllowed: (allowed: string) => `HTTP method not allowed, supported methods: ${allowed}`,
} as const;

/** An error the API answers with a status and OpenWhisk's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (): ApiError => new ApiError(404, messages.notFound);
export const badRequest = (message: string): ApiError => new ApiError(400, message);

export const authChallenge = { 'WWW-Authenticate': 'Basic realm="OpenWhisk secure realm"' } as const;

/** Writes a JSON reply with plain node calls, so express routes and the fast invoke path share it. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body) ?? 'null';
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  tid: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: message, code: tid }, headers);
}

export type ReplyToError = (req: IncomingMessage, res: ServerResponse, err: unknown, tid: string) => void;

/** A client error raised by express or node itself (malformed URI, aborted body): `status` 4xx. */
function clientStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** Turns any error into OpenWhisk's reply; unexpected ones are logged and answered 500 without detail. */
export function errorReplier(log: (err: unknown, req: IncomingMessage, tid: string) => void): ReplyToError {
  return (req, res, err, tid) => {
    if (res.headersSent) {
      log(err, req, tid);
      res.destroy();
      return;
    }
    if (err instanceof ApiError) {
      sendError(res, err.status, err.message, tid, err.headers);
      return;
    }
    // The id holds another kind of entity (an action's name taken by a package, or the reverse).
    if (err instanceof Error && err.name === 'DocumentTypeMismatchError') {
      sendError(res, 409, messages.conformance, tid);
      return;
    }
    const status = clientStatus(err);
    if (status !== undefined) {
      sendError(res, status, status === 400 ? messages.malformedJson : (err as Error).message, tid);
      return;
    }
    log(err, req, tid);
    sendError(res, 500, messages.internal, tid);
  };
}
