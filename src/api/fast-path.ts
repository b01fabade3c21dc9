/**
 * The invoke fast path. Express 5 spends several times the CPU of node's own HTTP handling on every
 * request (prototype swaps, router layer matching), which on the invoke path costs more than the
 * Kafka publish itself. So `POST /api/v1/namespaces/{ns}/actions/{name}` and
 * `POST .../actions/{pkg}/{name}` (an action in a package or binding: the catalog, bound packages)
 * are matched here, on the raw URL, and handled by the same invoke code the express routes use;
 * every other request goes to express unchanged. Replies, errors and metrics are identical on both
 * paths (the unit tests run through this listener).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Identify } from './auth.js';
import { transactionFor } from './context.js';
import type { InvokeHandler } from './invoke.js';
import { Stage, type StageMetrics } from '../controller/stage-timing.js';
import { releaseFirstByte, takeFirstByte } from './first-byte.js';
import type { ReplyToError } from './errors.js';

export const invokeRoutePath = '/api/v1/namespaces/:ns/actions/:name';
export const packagedInvokeRoutePath = '/api/v1/namespaces/:ns/actions/:pkg/:name';
const prefix = '/api/v1/namespaces/';

export interface InvokePath {
  namespace: string;
  /** Present for `/actions/{pkg}/{name}`. */
  pkg?: string;
  name: string;
}

/** The path's parts when this is an invoke (`actions/{name}` or `actions/{pkg}/{name}`), else undefined. */
export function matchInvoke(method: string | undefined, url: string | undefined): InvokePath | undefined {
  if (method !== 'POST' || !url || !url.startsWith(prefix)) return undefined;
  const q = url.indexOf('?');
  const path = q < 0 ? url.slice(prefix.length) : url.slice(prefix.length, q);
  const first = path.indexOf('/');
  if (first <= 0 || !path.startsWith('/actions/', first)) return undefined;
  const rest = path.slice(first + '/actions/'.length);
  const parts = rest.split('/');
  // Strict routing, as the express routes: no empty segment, no trailing slash, no deeper path.
  if (parts.length > 2 || parts.some((part) => part.length === 0)) return undefined;
  try {
    const namespace = decodeURIComponent(path.slice(0, first));
    if (parts.length === 1) return { namespace, name: decodeURIComponent(parts[0]!) };
    return { namespace, pkg: decodeURIComponent(parts[0]!), name: decodeURIComponent(parts[1]!) };
  } catch {
    return undefined; // malformed escapes: express answers those
  }
}

export interface FastPathDeps {
  identify: Identify;
  invoke: InvokeHandler;
  replyToError: ReplyToError;
  onReply: (method: string, route: string, status: number) => void;
  /** palette_stage_seconds; timed only here, on the invoke path. */
  stages?: StageMetrics;
}

export function withFastInvoke(fallback: RequestListener, deps: FastPathDeps): RequestListener {
  return function listener(req: IncomingMessage, res: ServerResponse): void {
    const target = matchInvoke(req.method, req.url);
    if (!target) {
      fallback(req, res);
      return;
    }
    const stages = deps.stages?.enabled ? deps.stages.begin(takeFirstByte(req)) : undefined;
    stages?.lap(Stage.requestRead);
    const transid = transactionFor(req);
    res.on('finish', () => {
      if (stages) {
        stages.lap(Stage.replyWrite);
        deps.stages!.end(stages);
        releaseFirstByte(req);
      }
      deps.onReply(
        'POST',
        target.pkg === undefined ? invokeRoutePath : packagedInvokeRoutePath,
        res.statusCode,
      );
    });
    deps
      .identify(req.headers.authorization)
      .then((identity) => {
        stages?.lap(Stage.auth);
        return deps.invoke(req, res, { transid, identity, ...target, ...(stages ? { stages } : {}) });
      })
      .catch((err: unknown) => deps.replyToError(req, res, err, transid[0]));
  };
}
