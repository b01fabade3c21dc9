/**
 * The live dashboard (issue 18 item 4, DECISIONS R12). Read-only; every route needs the API key:
 *
 *   GET /dashboard, /dashboard/dashboard.js, /dashboard/dashboard.css
 *     the page and its assets; without a valid key 401 with `WWW-Authenticate: Basic realm="Palette"`
 *     so a browser asks for it (the uuid as user name, the key as password).
 *   GET /palette/v1/namespaces/{ns}/dashboard[?color=&action=&limit=]
 *     one snapshot as JSON (dashboard/snapshot.ts).
 *   GET /palette/v1/namespaces/{ns}/dashboard/events[?color=&action=&limit=]
 *     the same snapshot as server-sent events (`event: snapshot`), once at once and then every
 *     `intervalMs`, until the client goes away.
 *
 * `{ns}` is `_` or the caller's namespace (any other: 403). A `whisk.system` key asking for `_`
 * sees every namespace's lists.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { resolveNamespace, type Identify } from '../auth.js';
import { context, identityOf, tidOf } from '../context.js';
import { ApiError, messages, sendError, sendJson } from '../errors.js';
import { pageParams, stringParam } from '../query.js';
import { contentSecurityPolicy, loadAssets, type AssetName } from '../dashboard/assets.js';
import { dashboardSnapshot, type DashboardPorts, type DashboardScope } from '../dashboard/snapshot.js';

export interface DashboardDeps extends DashboardPorts {
  /** Milliseconds between two events of a stream (default 1 000). */
  readonly intervalMs?: number;
  /** Streams open at once on this replica; more answer 429 (default 64). */
  readonly maxStreams?: number;
}

/** What the API's caller supplies; the API adds invoker health, the in-flight book and its id. */
export type DashboardSource = Omit<DashboardDeps, 'invokerHealth' | 'inFlight' | 'controllerId'>;

export const dashboardPath = '/dashboard';
export const dashboardDataPath = '/palette/v1/namespaces/:ns/dashboard';
export const dashboardEventsPath = `${dashboardDataPath}/events`;
export const paletteRealm = { 'WWW-Authenticate': 'Basic realm="Palette"' } as const;
const systemNamespace = 'whisk.system';
const streamHeaders = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
};
/** Recent activations listed when the query names no limit. */
const defaultLimit = 50;

export function dashboardRoutes(deps: DashboardDeps, identify: Identify, logger: Logger): Router {
  const router = Router();
  const assets = loadAssets();
  const intervalMs = deps.intervalMs ?? 1_000;
  const maxStreams = deps.maxStreams ?? 64;
  let streams = 0;

  // One realm for the page and its data, so the browser's one prompt covers both.
  const authenticate = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      context(res).identity = await identify(req.headers.authorization);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401)
        throw new ApiError(401, err.message, { ...paletteRealm });
      throw err;
    }
    next();
  };
  const notAllowed = (_req: Request, res: Response) =>
    sendError(res, 405, messages.methodNotAllowed('GET'), tidOf(res), { Allow: 'GET' });

  const serve = (name: AssetName) => (_req: Request, res: Response) => {
    const asset = assets.get(name)!;
    res.status(200);
    res.setHeader('Content-Type', asset.type);
    res.setHeader('Content-Length', asset.body.length);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', contentSecurityPolicy);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.end(asset.body);
  };
  router.route(dashboardPath).get(authenticate, serve('')).all(notAllowed);
  router.route(`${dashboardPath}/dashboard.js`).get(authenticate, serve('dashboard.js')).all(notAllowed);
  router.route(`${dashboardPath}/dashboard.css`).get(authenticate, serve('dashboard.css')).all(notAllowed);

  // Streams with the same scope share one snapshot for half an interval, so many open dashboards
  // cost one snapshot per scope, not one each.
  const recentEvents = new Map<string, { at: number; event: Promise<string> }>();
  const shared = (scope: DashboardScope): Promise<string> => {
    const key = JSON.stringify([
      scope.namespace ?? null,
      scope.color ?? null,
      scope.action ?? null,
      scope.limit,
    ]);
    const now = Date.now();
    const hit = recentEvents.get(key);
    if (hit && now - hit.at < intervalMs / 2) return hit.event;
    for (const [k, v] of recentEvents) if (now - v.at >= intervalMs / 2) recentEvents.delete(k);
    const event = dashboardSnapshot(deps, scope, now).then(
      (snapshot) => `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`,
    );
    recentEvents.set(key, { at: now, event });
    event.catch(() => recentEvents.delete(key));
    return event;
  };

  const scopeOf = (req: Request, res: Response): DashboardScope => {
    const requested = String(req.params.ns);
    const namespace = resolveNamespace(identityOf(res), requested);
    const everyNamespace = requested === '_' && namespace === systemNamespace;
    const color = stringParam(req, 'color');
    const action = stringParam(req, 'action');
    const limit =
      stringParam(req, 'limit') === undefined ? defaultLimit : pageParams(req, 'activations').limit;
    return {
      namespace: everyNamespace ? undefined : namespace,
      ...(color !== undefined ? { color } : {}),
      ...(action !== undefined ? { action } : {}),
      limit,
    };
  };

  router
    .route(dashboardDataPath)
    .get(authenticate, async (req: Request, res: Response) => {
      const scope = scopeOf(req, res);
      sendJson(res, 200, await dashboardSnapshot(deps, scope), { 'Cache-Control': 'no-store' });
    })
    .all(notAllowed);

  router
    .route(dashboardEventsPath)
    .get(authenticate, async (req: Request, res: Response) => {
      const scope = scopeOf(req, res);
      // HEAD gets the stream's headers and no stream: the response must end for the socket to be reused.
      if (req.method === 'HEAD') {
        res.writeHead(200, streamHeaders).end();
        return;
      }
      if (streams >= maxStreams)
        throw new ApiError(
          429,
          `Too many dashboard streams are open on this controller (${maxStreams}); close one, or poll ${dashboardDataPath.replace(':ns', '_')}.`,
        );
      streams++;
      let open = true;
      let timer: NodeJS.Timeout | undefined;
      const close = () => {
        if (!open) return;
        open = false;
        streams--;
        clearInterval(timer);
      };
      res.on('close', close);
      res.writeHead(200, streamHeaders);
      // A browser that loses the stream tries again after 2 s.
      res.write('retry: 2000\n\n');
      let sending = false;
      const send = async () => {
        if (!open || sending) return;
        sending = true;
        try {
          const event = await shared(scope);
          if (open) res.write(event);
        } catch (err) {
          logger.warn({ err }, 'dashboard snapshot failed; the stream goes on');
        } finally {
          sending = false;
        }
      };
      await send();
      if (open) timer = setInterval(() => void send(), intervalMs);
    })
    .all(notAllowed);
  return router;
}
