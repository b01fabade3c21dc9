/**
 * Per-request context kept in `res.locals`: the transaction id (OpenWhisk takes it from
 * X-Request-ID unless that starts with `sid_`, which is reserved for system transactions) and,
 * once authenticated, the caller's identity.
 */
import type { IncomingMessage } from 'node:http';
import type { Response } from 'express';
import { newTransactionId, type Identity, type TransactionId } from '../protocol/index.js';

export interface RequestContext {
  transid: TransactionId;
  identity?: Identity;
}

export function transactionFor(req: IncomingMessage, now = Date.now()): TransactionId {
  const header = req.headers['x-request-id'];
  const given = Array.isArray(header) ? header[0] : header;
  if (given && given.length > 0 && !given.startsWith('sid_')) return [given, now];
  return newTransactionId(now);
}

export function context(res: Response): RequestContext {
  return res.locals as RequestContext;
}

export function tidOf(res: Response): string {
  const ctx = context(res);
  return ctx.transid ? ctx.transid[0] : '';
}

/** The authenticated identity; only call behind the auth middleware. */
export function identityOf(res: Response): Identity {
  const identity = context(res).identity;
  if (!identity) throw new Error('identityOf called on an unauthenticated request');
  return identity;
}
