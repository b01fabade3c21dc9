/**
 * OpenWhisk's error replies (common/scala/.../http/ErrorResponse.scala): every error is
 * `{"error": "<message>", "code": "<transaction id>"}`. The `code` matters: `wsk` shows the message
 * only when both fields are present, and otherwise reports a connection failure.
 */
import type { Response } from 'express';

export const messages = {
  notFound: 'The requested resource does not exist.',
  notAuthorized: 'The supplied authentication is not authorized to access this resource.',
  authMissing: 'The resource requires authentication, which was not supplied with the request.',
  authInvalid: 'The supplied authentication is invalid.',
  conflict: 'resource already exists',
  entityTooLarge: (what: string, size: number, max: number) =>
    `The request content was malformed: ${what} of ${size} bytes exceeds allowed threshold of ${max} bytes.`,
  malformedJson: 'The request content was malformed.',
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

export function sendError(
  res: Response,
  status: number,
  message: string,
  tid: string,
  headers: Record<string, string> = {},
): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).json({ error: message, code: tid });
}
