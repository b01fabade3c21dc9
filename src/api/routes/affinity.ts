/**
 * Co-access plans over REST (DECISIONS R8, R21), authenticated like every namespace route:
 *
 *   PUT /palette/v1/namespaces/{ns}/affinity   body: an edge list (src/planner/edge-list.ts), up to
 *       48 MB (413 above), parsed as it arrives; query `capacityFactor` (default 1.1) and `seed`.
 *       Plans over the healthy invokers and pins the namespace's colors (replacing its earlier
 *       plan); answers the plan's summary.
 *   GET  the namespace's current plan: when, and its summary (edge locality, load per invoker).
 *
 * `_` is the caller's namespace; another namespace is 403, no key 401 (OpenWhisk's errors).
 * Larger graphs go through `npm run plan`.
 */
import type { IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { EdgeListError, LineParser } from '../../planner/edge-list.js';
import { GraphBuilder } from '../../planner/graph.js';
import { plan, type PlanSummary } from '../../planner/index.js';
import { resolveNamespace } from '../auth.js';
import { actionBodyLimit, tooLarge } from '../body.js';
import { identityOf, tidOf } from '../context.js';
import { ApiError, badRequest, messages, sendError, sendJson } from '../errors.js';
import type { ControllerCore } from '../../controller/types.js';

export const affinityPath = '/palette/v1/namespaces/:ns/affinity';
/** R21: REST uploads up to 48 MB (the same as OpenWhisk's action documents). */
export const affinityBodyLimit = actionBodyLimit;

export interface AffinityPort {
  /** Replaces the namespace's pins with `assignment` and stores the summary. */
  writePlan(
    namespace: string,
    assignment: Iterable<readonly [string, number]>,
    summary: Record<string, unknown>,
  ): Promise<{ pinned: number; removed: number }>;
  readPlan(namespace: string): Promise<{ plannedAt: number; summary: Record<string, unknown> } | undefined>;
}

export interface AffinityDeps {
  readonly core: Pick<ControllerCore, 'invokerHealth'>;
  readonly affinity?: AffinityPort;
  readonly authenticate: (req: Request, res: Response, next: NextFunction) => Promise<void>;
}

/** Streams the body into the builder; 413 above the limit, 400 naming the first bad line. */
function parseBody(req: IncomingMessage, builder: GraphBuilder): Promise<LineParser> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > affinityBodyLimit) return Promise.reject(tooLarge(req, declared, affinityBodyLimit));
  const parser = new LineParser(builder, 'edges');
  const decoder = new StringDecoder('utf8');
  return new Promise((resolve, reject) => {
    let size = 0;
    let failure: unknown;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > affinityBodyLimit) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge(req, size, affinityBodyLimit));
        return;
      }
      // After a bad line the rest is read and dropped, so the 400 reaches a client still sending.
      if (failure !== undefined) return;
      try {
        parser.feed(decoder.write(chunk));
      } catch (err) {
        failure = err;
      }
    };
    req.on('data', onData);
    req.once('error', reject);
    req.once('end', () => {
      if (size > affinityBodyLimit) return;
      try {
        if (failure === undefined) {
          parser.feed(decoder.end());
          parser.end();
        }
      } catch (err) {
        failure = err;
      }
      if (failure instanceof EdgeListError) reject(badRequest(messages.malformedDetail(failure.message)));
      else if (failure !== undefined) reject(failure);
      else resolve(parser);
    });
  });
}

function numberParam(req: Request, name: string, fallback: number, min: number): number {
  const url = req.originalUrl ?? req.url;
  const raw = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '').get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw badRequest(`The query parameter '${name}' was malformed:\n'${raw}' must be a number >= ${min}`);
  return value;
}

export function affinityRoutes(deps: AffinityDeps): Router {
  const router = Router();
  const port = (): AffinityPort => {
    if (!deps.affinity) throw new ApiError(503, messages.serviceUnavailable);
    return deps.affinity;
  };
  router.use(affinityPath, deps.authenticate);
  router
    .route(affinityPath)
    .get(async (req: Request, res: Response) => {
      const namespace = resolveNamespace(identityOf(res), String(req.params.ns));
      const stored = await port().readPlan(namespace);
      if (!stored) throw new ApiError(404, messages.notFound);
      sendJson(res, 200, { namespace, plannedAt: stored.plannedAt, summary: stored.summary });
    })
    .put(async (req: Request, res: Response) => {
      const namespace = resolveNamespace(identityOf(res), String(req.params.ns));
      const affinity = port();
      const capacityFactor = numberParam(req, 'capacityFactor', 1.1, 1);
      const seed = numberParam(req, 'seed', 1, 0);
      const builder = new GraphBuilder(1);
      const parsed = await parseBody(req, builder);
      if (parsed.counts.edges === 0 && parsed.counts.rates === 0)
        throw badRequest(messages.malformedDetail('the edge list names no colors'));
      const health = deps.core.invokerHealth();
      const invokers = health.filter((e) => e.status === 'healthy').map((e) => e.id);
      if (invokers.length === 0) throw new ApiError(503, messages.noInvokers);
      const { assignment, summary } = plan(builder.build(), invokers, { capacityFactor, seed });
      const { pinned, removed } = await affinity.writePlan(namespace, assignment, summaryRecord(summary));
      sendJson(res, 200, { namespace, pinned, removed, summary });
    })
    .all((_req: Request, res: Response) =>
      sendError(res, 405, messages.methodNotAllowed('GET, PUT'), tidOf(res), { Allow: 'GET, PUT' }),
    );
  return router;
}

const summaryRecord = (summary: PlanSummary): Record<string, unknown> => ({ ...summary });
