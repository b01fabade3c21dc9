/**
 * The REST API (express 5): the OpenWhisk API subset `wsk` and the `openwhisk` npm client use,
 * plus the operational routes. Every error reply is OpenWhisk's `{"error", "code"}` with the
 * transaction id as `code`. Invokes take a fast path past express when served through
 * `app.listen` or `app.listener` (fast-path.ts). README "REST API" lists the routes and Palette's
 * additions.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { ComponentResolver } from '../controller/sequence-ports.js';
import type { ControllerCore } from '../controller/types.js';
import type { ActionDocument } from '../protocol/index.js';
import { actionRoutes } from './actions.js';
import { activationRoutes } from './activations.js';
import { authenticator, identifier } from './auth.js';
import { replyToClientError } from './client-error.js';
import { componentResolver } from './component-resolver.js';
import { EntityCache } from './cache.js';
import { context, identityOf, tidOf, transactionFor } from './context.js';
import { errorReplier, messages, sendError } from './errors.js';
import { invokeRoutePath, withFastInvoke } from './fast-path.js';
import { invokeHandler } from './invoke.js';
import { cachedPackagedLookup } from './package-access.js';
import type {
  ActionPort,
  ActivationPort,
  InFlightCountPort,
  PackagePort,
  PlacementPort,
  SubjectPort,
} from './ports.js';
import { namespaceRoutes } from './routes/namespaces.js';
import { affinityRoutes, type AffinityPort } from './routes/affinity.js';
import { packagedActionRoutes } from './routes/packaged-actions.js';
import { paletteRoutes, type InFlightPort } from './routes/palette.js';
import { dashboardRoutes, type DashboardSource } from './routes/dashboard.js';
import type { RecentActivations } from './recent-activations.js';
import { packageRoutes } from './routes/packages.js';
import { systemRoutes } from './system.js';
import { defaultThrottleLimits, throttles, type ThrottleConfig } from './throttles.js';
import { triggerRuleRouters, type TriggerRuleDeps } from './trigger-rule-api.js';
import { webRoutes } from './routes/web.js';
import { stampFirstBytes } from './first-byte.js';
import type { StageMetrics } from '../controller/stage-timing.js';

export interface ApiConfig {
  controllerId: string;
  /**
   * How long an authenticated identity is reused without asking the subjects store (default 5 s;
   * with the store's own 5 s cache, a revoked key stops working within 10 s).
   */
  identityCacheMs?: number;
  /** How long the invoke path reuses an action document (default 2 s; this replica's writes invalidate at once). */
  actionCacheMs?: number;
  /** Shown as `build` by `GET /api/v1`. */
  build?: string;
}

export interface ApiDeps {
  core: ControllerCore;
  subjects: SubjectPort;
  actions: ActionPort;
  packages: PackagePort;
  activations: ActivationPort;
  placements: PlacementPort;
  /** Activations in flight per namespace, for the concurrent-invocations limit (the controller). */
  inFlight: InFlightCountPort;
  /** Per-namespace limits before a namespace's own document (R11); default R11's `npm start` values, one replica. */
  limits?: ThrottleConfig;
  /** Sequence components for the create checks; default: actions in the caller's default package. */
  components?: ComponentResolver;
  /** Read-your-writes for this replica (R6), fed with the controller's results and completions. */
  recent?: RecentActivations;
  /** The controller's in-flight activations, for Palette's in-flight route (absent: not mounted). */
  inFlightList?: InFlightPort;
  /** The live dashboard's data (routes/dashboard.ts); mounted with `inFlightList`, absent: not mounted. */
  dashboard?: DashboardSource;
  /** Co-access plans (routes/affinity.ts); absent: the affinity route answers 503. */
  affinity?: AffinityPort;
  /** Triggers and rules (absent: their routes answer 404). */
  triggerRules?: TriggerRuleDeps;
  config: ApiConfig;
  logger: Logger;
  metrics: Registry;
  /** palette_stage_seconds (R13): the invoke fast path laps it; absent or off, nothing is timed. */
  stages?: StageMetrics;
}

/** How long an idle client connection stays open (above akka-http's 60 s idle timeout). */
export const idleKeepAliveMs = 65_000;

/** The express app; `listen` and `listener` include the invoke fast path. */
export type ApiApp = express.Express & { readonly listener: RequestListener };

function requestCounter(registry: Registry): Counter<'method' | 'route' | 'status'> {
  const name = 'palette_api_requests_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'method' | 'route' | 'status'>;
  return new Counter({
    name,
    help: 'REST API replies by method, route and status code',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
}

export function createApi(deps: ApiDeps): ApiApp {
  const { core, logger } = deps;
  const actionCache = new EntityCache<ActionDocument>(deps.config.actionCacheMs ?? 2_000);
  const identify = identifier(deps.subjects, deps.config.identityCacheMs ?? 5_000);
  const authenticate = authenticator(identify);
  const system = systemRoutes(core, deps.metrics, deps.config.build ?? `palette-${deps.config.controllerId}`);
  const throttle = throttles(deps.limits ?? { defaults: defaultThrottleLimits, replicas: 1 }, deps.inFlight);
  const access = { packages: deps.packages, actions: deps.actions };
  const packaged = cachedPackagedLookup(access, new EntityCache(deps.config.actionCacheMs ?? 2_000));
  const components = deps.components ?? componentResolver(deps.actions, packaged.lookup);
  const actions = actionRoutes({
    actions: deps.actions,
    cache: actionCache,
    onWrite: packaged.invalidate,
    components,
  });
  const invoke = invokeHandler({
    core,
    actions: deps.actions,
    cache: actionCache,
    packaged: packaged.lookup,
    admit: throttle.admitInvoke,
  });
  const activations = activationRoutes({
    activations: deps.activations,
    placements: deps.placements,
    ...(deps.recent ? { recent: deps.recent } : {}),
    onPlacementError: (err) =>
      logger.warn({ err }, 'placement records unavailable; activations returned without them'),
  });
  const triggerRules =
    deps.triggerRules &&
    triggerRuleRouters(
      { packagedActions: packaged.lookup, ...deps.triggerRules },
      {
        core,
        actions: deps.actions,
        actionCache,
        controllerId: deps.config.controllerId,
        logger,
        throttles: throttle,
      },
    );
  const replies = requestCounter(deps.metrics);
  const countReply = (method: string, route: string, status: number) =>
    replies.inc({ method, route, status });
  const replyToError = errorReplier((err, req, tid) =>
    logger.error({ err, tid, method: req.method, url: req.url }, 'request failed'),
  );

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Query strings are read from the raw URL by query.ts (one parser for both paths).
  app.set('query parser', false);

  app.use((req: Request, res: Response, next: NextFunction) => {
    context(res).transid = transactionFor(req);
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      countReply(req.method, route, res.statusCode);
    });
    next();
  });

  const notAllowed = (allowed: string) => (_req: Request, res: Response) =>
    sendError(res, 405, messages.methodNotAllowed(allowed), tidOf(res), { Allow: allowed });

  app.get('/', system.root);
  app.get('/ping', system.ping);
  app.get('/ready', system.ready);
  app.get('/metrics', system.metrics);
  app.get('/invokers', system.invokers);
  app.get('/invokers/healthy/count', system.healthyCount);
  app.get('/api/v1', system.info);

  // Web actions need no key (R18): mounted outside the authenticated `/api/v1/namespaces`.
  app.use(
    webRoutes({
      ...deps,
      actionCache,
      packaged: packaged.lookup,
      identify,
      identityCacheMs: deps.config.identityCacheMs ?? 10_000,
      admit: throttle.admitInvoke,
    }),
  );
  app.use(affinityRoutes({ core, affinity: deps.affinity, authenticate }));
  app.use('/api/v1/namespaces', authenticate);
  app.use(namespaceRoutes(throttle));
  app.use(packageRoutes({ ...access, onWrite: packaged.invalidate }));
  // Before the default-package routes, which would take `/actions/{pkg}/` for the action `{pkg}`.
  app.use(packagedActionRoutes({ ...access, actionRoutes: actions, invoke }));
  app.route('/api/v1/namespaces/:ns/actions').get(actions.list).all(notAllowed('GET'));
  app
    .route(invokeRoutePath)
    .get(actions.get)
    .put(actions.put)
    .delete(actions.delete)
    .post((req: Request, res: Response) =>
      invoke(req, res, {
        transid: context(res).transid,
        identity: identityOf(res),
        namespace: String(req.params.ns),
        name: String(req.params.name),
      }),
    )
    .all(notAllowed('GET, PUT, DELETE, POST'));
  if (triggerRules) app.use(triggerRules.triggers);
  if (triggerRules) app.use(triggerRules.rules);
  app.route('/api/v1/namespaces/:ns/activations').get(activations.list).all(notAllowed('GET'));
  app.route('/api/v1/namespaces/:ns/activations/:id').get(activations.get).all(notAllowed('GET'));
  app.route('/api/v1/namespaces/:ns/activations/:id/result').get(activations.result).all(notAllowed('GET'));
  app.route('/api/v1/namespaces/:ns/activations/:id/logs').get(activations.logs).all(notAllowed('GET'));
  // Before paletteRoutes: its prefix-wide authentication would answer 401 in OpenWhisk's realm.
  if (deps.inFlightList && deps.dashboard) {
    const inFlight = deps.inFlightList;
    const source = { ...deps.dashboard, inFlight, controllerId: deps.config.controllerId };
    app.use(dashboardRoutes({ ...source, invokerHealth: () => core.invokerHealth() }, identify, logger));
  }
  if (deps.inFlightList) app.use(paletteRoutes({ authenticate, inFlight: deps.inFlightList }));

  app.use((_req: Request, res: Response) => sendError(res, 404, messages.notFound, tidOf(res)));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) =>
    replyToError(req, res, err, tidOf(res)),
  );

  const listener = withFastInvoke(app, {
    identify,
    invoke,
    replyToError,
    onReply: countReply,
    ...(deps.stages ? { stages: deps.stages } : {}),
  });

  // express's own listen, with the fast path in front (same callback and error semantics).
  const listen = (...args: unknown[]): Server => {
    const server = createServer(listener);
    // Node closes an idle keep-alive socket after 5 s, racing a client that reuses it just then
    // (ECONNRESET in the npm client under load); OpenWhisk's controller keeps idle ones for 60 s.
    server.keepAliveTimeout = idleKeepAliveMs;
    server.on('clientError', replyToClientError);
    const stages = deps.stages;
    if (stages) stampFirstBytes(server, () => stages.enabled);
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      let called = false;
      const done = (...a: unknown[]) => {
        if (!called) {
          called = true;
          (last as (...x: unknown[]) => void)(...a);
        }
      };
      args[args.length - 1] = done;
      server.once('error', done);
    }
    return server.listen(...(args as Parameters<Server['listen']>));
  };
  return Object.assign(app, { listen: listen as express.Express['listen'], listener });
}
