/**
 * Web actions (OpenWhisk's WebActions.scala, DECISIONS R18):
 * `/api/v1/web/{namespace}/{package|default}/{action}[.json|.http|.html|.svg|.text][/path]`, any of
 * GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, with no API key. The action must carry
 * `web-export: true`; it runs as its owner's identity (looked up by namespace name in the subjects
 * database), blocking, and its result is transcoded for the extension. The color comes from the
 * `X-Palette-Color` header, the query, a JSON body field or the action's annotation (R7) and is
 * handed to the controller, never to the action.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router, type Request, type Response } from 'express';
import { ColorError } from '../../balancer/color.js';
import type { ControllerCore } from '../../controller/types.js';
import { NoInvokersError, PublishTimeoutError } from '../../controller/types.js';
import type { ActionDocument, Identity } from '../../protocol/index.js';
import type { Identify } from '../auth.js';
import { invokePayloadLimit, readBodyBytes } from '../body.js';
import { EntityCache } from '../cache.js';
import { context } from '../context.js';
import { ApiError, badRequest, messages, notFound } from '../errors.js';
import { actionKey, activationIdHeader, maxBlockingWaitMs } from '../invoke.js';
import type { PackagedActionLookup } from '../ports.js';
import type { ActionPort, SubjectPort } from '../ports.js';
import {
  authorizedToProceed,
  decodeBody,
  delegatesCors,
  isRawHttp,
  isWebExported,
  looksLikeExtension,
  requestColor,
  requireWhiskAuthHeader,
  splitExtension,
  webArguments,
  webMessages,
  type WebRequest,
} from '../web-request.js';
import { transcode, type WebReply } from '../web-response.js';

export interface WebRoutesDeps {
  core: ControllerCore;
  subjects: SubjectPort;
  actions: ActionPort;
  /** The invoke path's action cache (default package), shared so writes invalidate it. */
  actionCache: EntityCache<ActionDocument>;
  packaged: PackagedActionLookup;
  identify: Identify;
  /** How long an owner's identity is reused (as the authenticated identities). */
  identityCacheMs: number;
  /** The owner's invocation limits (throttles.ts): web traffic counts against the owner's namespace. */
  admit(owner: Identity): void;
}

export const webRoutePath = '/api/v1/web/:ns/:pkg/:action{/*rest}';

/** CorsSettings.WebActions with OpenWhisk's default allowed headers. */
const corsHeaders = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH',
  'Access-Control-Allow-Headers': 'Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent',
};

const allowedMethods = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);

/** The path after the action segment, as sent (OpenWhisk's unmatched path): `` or `/a/b`. */
function restOfPath(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const segments = path.split('/');
  // '', 'api', 'v1', 'web', ns, pkg, action, rest...
  return segments.length > 7 ? `/${segments.slice(7).join('/')}` : '';
}

function queryOf(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function writeReply(res: ServerResponse, reply: WebReply, method: string): void {
  res.statusCode = reply.status;
  for (const [name, value] of reply.headers) res.appendHeader(name, value);
  if (reply.body === undefined) {
    res.setHeader('Content-Length', 0);
    res.end();
    return;
  }
  if (reply.contentType) res.setHeader('Content-Type', reply.contentType);
  res.setHeader('Content-Length', reply.body.length);
  res.end(method === 'HEAD' ? undefined : reply.body);
}

export function webRoutes(deps: WebRoutesDeps): Router {
  const owners = new EntityCache<Identity>(deps.identityCacheMs);
  const router = Router();

  /** The exported action the path names, or the 404 (400 for what looks like an unknown extension). */
  async function findAction(owner: Identity, req: Request, segment: string): Promise<ActionDocument> {
    const { name } = splitExtension(segment);
    const namespace = owner.namespace.name;
    const pkg = String(req.params.pkg);
    let action: ActionDocument | undefined;
    try {
      action =
        pkg === 'default'
          ? await deps.actionCache.load(actionKey(namespace, name), () => deps.actions.get(namespace, name))
          : await deps.packaged(owner, namespace, pkg, name);
    } catch (err) {
      // Unreadable packages, names of other entities, invalid names: nothing is revealed.
      if (!(err instanceof ApiError) && !(err instanceof Error && err.name === 'DocumentTypeMismatchError'))
        throw err;
    }
    if (!action && name === segment && looksLikeExtension(segment)) {
      throw badRequest(webMessages.extensionNotSupported);
    }
    if (!action || !isWebExported(action)) throw notFound();
    return action;
  }

  async function callerOf(req: Request): Promise<Identity | undefined> {
    if (!req.headers.authorization) return undefined;
    try {
      return await deps.identify(req.headers.authorization);
    } catch {
      return undefined;
    }
  }

  async function handle(req: Request, res: Response): Promise<void> {
    if (!allowedMethods.has(req.method)) throw notFound();
    const segment = String(req.params.action);
    const nsName = String(req.params.ns);
    const owner = await owners.load(nsName, () => deps.subjects.identityByNamespace(nsName));
    if (!owner) throw notFound();
    const action = await findAction(owner, req, segment);
    // WebActions.verifyWebAction: the owner's entitlement (throttles) once the action is confirmed.
    deps.admit(owner);
    const { extension } = splitExtension(segment);
    const body = await readBodyBytes(req, invokePayloadLimit);

    const cors = delegatesCors(action);
    if (cors) for (const [name, value] of Object.entries(corsHeaders)) res.setHeader(name, value);
    if (cors && req.method === 'OPTIONS') {
      res.status(200).setHeader('Content-Length', 0).end();
      return;
    }
    const caller = await callerOf(req);
    const requireHeader = req.headers[requireWhiskAuthHeader];
    const allowed =
      (!cors && req.method === 'OPTIONS') ||
      authorizedToProceed(action, Array.isArray(requireHeader) ? requireHeader[0] : requireHeader, caller);
    if (!allowed) throw new ApiError(401, messages.authMissing);

    const rawHttp = isRawHttp(action);
    const webRequest: WebRequest = {
      method: req.method,
      headers: headersOf(req),
      path: restOfPath(req),
      query: queryOf(req),
      body: decodeBody(body, req.headers['content-type'], rawHttp),
      rawHttp,
      ...(caller ? { caller } : {}),
    };
    let color: string | undefined;
    try {
      color = requestColor(webRequest);
    } catch (err) {
      if (err instanceof ColorError) throw badRequest(err.message);
      throw err;
    }
    const payload = webArguments(webRequest, action);

    let outcome;
    try {
      outcome = await deps.core.invoke({
        transid: context(res).transid,
        user: owner,
        action,
        payload,
        blocking: true,
        waitMs: maxBlockingWaitMs,
        ...(color !== undefined ? { color } : {}),
      });
    } catch (err) {
      if (err instanceof ColorError) throw badRequest(err.message);
      if (err instanceof NoInvokersError || err instanceof PublishTimeoutError)
        throw new ApiError(503, messages.serviceUnavailable);
      throw err;
    }
    const idHeader = { [activationIdHeader]: outcome.activationId };
    if (outcome.kind === 'accepted') throw new ApiError(202, webMessages.responseNotReady, idHeader);
    res.setHeader(activationIdHeader, outcome.activationId);
    const response = outcome.activation.response;
    // Success: the result; an application error: its `error` field; anything else is not the action's to show.
    if (response.statusCode !== 0 && response.statusCode !== 1) {
      throw new ApiError(400, webMessages.errorProcessingRequest, idHeader);
    }
    const result: unknown =
      response.statusCode === 0
        ? (response.result ?? {})
        : (response.result as Record<string, unknown> | undefined)?.error;
    if (result === undefined) throw new ApiError(404, webMessages.propertyNotFound, idHeader);
    writeReply(res, transcode(extension, result), req.method);
  }

  // Errors (ApiError included) go to the app's error replier: OpenWhisk's shape with the transid.
  router.all(webRoutePath, handle);
  return router;
}
