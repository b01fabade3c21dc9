/**
 * HTTP Basic authentication against the subjects database, as OpenWhisk's
 * BasicAuthenticationDirective: username = namespace uuid, password = key. Identities are cached
 * per Authorization header for a short time (the invoke hot path must not read CouchDB per call);
 * failed lookups are not cached, so a newly created subject works at once.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Identity } from '../protocol/index.js';
import { EntityCache } from './cache.js';
import { ApiError, authChallenge, messages } from './errors.js';
import { context } from './context.js';
import type { SubjectPort } from './ports.js';

export function parseBasic(header: string | undefined): { uuid: string; key: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+(\S+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { uuid: decoded.slice(0, colon), key: decoded.slice(colon + 1) };
}

export type Identify = (authorization: string | undefined) => Promise<Identity>;

/** The caller's identity for an Authorization header; throws the 401 ApiError otherwise. */
export function identifier(subjects: SubjectPort, cacheMs: number): Identify {
  const cache = new EntityCache<Identity>(cacheMs);
  return async function identify(header) {
    if (!header) throw new ApiError(401, messages.authMissing, { ...authChallenge });
    const identity = await cache.load(header, async () => {
      const credentials = parseBasic(header);
      return credentials ? subjects.identityByKey(credentials.uuid, credentials.key) : undefined;
    });
    if (!identity) throw new ApiError(401, messages.authInvalid, { ...authChallenge });
    return identity;
  };
}

/** Express middleware putting the identity into the request context. */
export function authenticator(identify: Identify) {
  return async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
    context(res).identity = await identify(req.headers.authorization);
    next();
  };
}

/** `_` is the caller's own namespace; any other name must be one of the caller's. */
export function resolveNamespace(identity: Identity, requested: string): string {
  if (requested === '_' || requested === identity.namespace.name) return identity.namespace.name;
  throw new ApiError(403, messages.notAuthorized);
}
