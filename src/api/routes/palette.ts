/**
 * Palette's own routes, under `/palette/v1` so OpenWhisk's API stays as it is (DECISIONS R12).
 * Authenticated like OpenWhisk's (401 without a valid key) and namespace scoped: `{ns}` is `_` or
 * the caller's namespace, any other answers 403 with OpenWhisk's "not authorized" message.
 *
 *   GET /palette/v1/namespaces/{ns}/activations/inflight[?limit=&skip=]
 *     this replica's in-flight activations of the namespace, newest first: activationId, namespace,
 *     action, color, invoker, home, policy, reason (home|spilled|forced|…), since (epoch ms).
 *     A `whisk.system` key asking for `_` sees every namespace's (R12). OpenWhisk's activation
 *     routes keep answering 404 for these until they complete.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import { resolveNamespace } from '../auth.js';
import { identityOf, tidOf } from '../context.js';
import { messages, sendError, sendJson } from '../errors.js';
import { pageParams } from '../query.js';

/** What the route reads of an in-flight activation (the controller's InFlightEntry has these). */
export interface InFlightActivation {
  readonly activationId: string;
  readonly namespace: string;
  readonly action: { readonly path: string; readonly name: string };
  readonly color?: string;
  readonly policy: string;
  readonly invoker: number;
  readonly home: number;
  readonly reason: string;
  readonly startedAt: number;
}

export interface InFlightPort {
  inFlight(): readonly InFlightActivation[];
}

export interface PaletteRouteDeps {
  authenticate: (req: Request, res: Response, next: NextFunction) => Promise<void>;
  inFlight: InFlightPort;
}

export const palettePrefix = '/palette/v1';
const systemNamespace = 'whisk.system';

export function inFlightView(entry: InFlightActivation) {
  return {
    activationId: entry.activationId,
    namespace: entry.namespace,
    action: `${entry.action.path}/${entry.action.name}`,
    ...(entry.color !== undefined ? { color: entry.color } : {}),
    invoker: entry.invoker,
    home: entry.home,
    policy: entry.policy,
    reason: entry.reason,
    since: entry.startedAt,
  };
}

export function paletteRoutes(deps: PaletteRouteDeps): Router {
  const router = Router();
  const notAllowed = (allowed: string) => (_req: Request, res: Response) =>
    sendError(res, 405, messages.methodNotAllowed(allowed), tidOf(res), { Allow: allowed });

  router.use(palettePrefix, deps.authenticate);
  router
    .route(`${palettePrefix}/namespaces/:ns/activations/inflight`)
    .get((req: Request, res: Response) => {
      const identity = identityOf(res);
      const requested = String(req.params.ns);
      const namespace = resolveNamespace(identity, requested);
      const { limit, skip } = pageParams(req, 'activations');
      const everyNamespace = requested === '_' && namespace === systemNamespace;
      const entries = deps.inFlight
        .inFlight()
        .filter((e) => everyNamespace || e.namespace === namespace)
        .sort((a, b) => b.startedAt - a.startedAt || a.activationId.localeCompare(b.activationId));
      sendJson(res, 200, entries.slice(skip, skip + limit).map(inFlightView));
    })
    .all(notAllowed('GET'));
  return router;
}
