/**
 * Activations: `GET /api/v1/namespaces/{ns}/activations[/{id}[/result|/logs]]` (OpenWhisk
 * Activations.scala). Lists are newest `start` first, briefs unless `docs=true`, with `name`,
 * `since`, `upto`, `limit` (default 30, max 200, 0 = max), `skip` and `count`.
 *
 * Palette additions: the controller's placement record (DECISIONS "Placement records") is merged
 * into every returned record as annotations `palette.color`, `palette.policy`, `palette.invoker`,
 * `palette.home`, `palette.reason` and `palette.hops`, with `palette.warm` derived from the record
 * itself (R7: no `initTime` means a warm container); and `color=<color>` filters a list to the activations placed with that color.
 * A color-filtered list walks the placement records newest first, reads those activations and
 * applies the other filters to them; `since`/`upto` still bound `start`.
 *
 * Read-your-writes (R6, recent-activations.ts): `get`, `logs`, `result` and uncolored lists and
 * counts first wait (up to 3 s) for the records of activations whose result this replica delivered
 * and that are not readable yet; a list merges in any such record its index did not show yet.
 */
import type { Request, Response } from 'express';
import {
  extendedActivation,
  extendedResponse,
  type ActivationBrief,
  type ActivationDocument,
  type KeyValue,
} from '../protocol/index.js';
import { checkEntityName } from './action-doc.js';
import { resolveNamespace } from './auth.js';
import { identityOf } from './context.js';
import { badRequest, messages, notFound } from './errors.js';
import type { ActivationPort, ActivationQuery, PlacementInfo, PlacementPort } from './ports.js';
import { boolParam, intParam, pageParams, stringParam } from './query.js';
import type { RecentActivations } from './recent-activations.js';

export const colorQueryParam = 'color';

export interface ActivationRoutesDeps {
  activations: ActivationPort;
  placements: PlacementPort;
  /** Called when placement records cannot be read: the records are then returned without them. */
  onPlacementError?: (err: unknown) => void;
  /** Read-your-writes for this replica (R6); absent: reads answer what the store has. */
  recent?: RecentActivations;
}

const activationIdPattern = /^[0-9a-f]{32}$/;

const placementKeys = [
  'palette.color',
  'palette.policy',
  'palette.invoker',
  'palette.home',
  'palette.reason',
  'palette.hops',
  'palette.warm',
];

/** Records that never ran in a container (fallbacks, lost ones, sequences) have no warmth to show. */
const notContainerKinds = new Set(['unknown', 'sequence']);

/** R7's `palette.warm`: the record ran in a container and has no `initTime` (so no cold start). */
export function warmOf(annotations: readonly KeyValue[]): boolean | undefined {
  const kind = annotations.find((a) => a.key === 'kind')?.value;
  if (typeof kind !== 'string' || notContainerKinds.has(kind)) return undefined;
  return !annotations.some((a) => a.key === 'initTime');
}

/** The record's annotations with the placement's appended (any stale palette.* ones replaced). */
export function withPlacement<T extends { annotations?: unknown }>(
  record: T,
  placement: PlacementInfo | undefined,
): T {
  if (!placement) return record;
  const own = (Array.isArray(record.annotations) ? (record.annotations as KeyValue[]) : []).filter(
    (a) => !placementKeys.includes(a.key),
  );
  const added: KeyValue[] = [];
  if (placement.color !== undefined) added.push({ key: 'palette.color', value: placement.color });
  added.push({ key: 'palette.policy', value: placement.policy });
  // A sequence's or trigger's placement has no invoker: the controller ran it (R7).
  if (placement.invoker !== undefined) added.push({ key: 'palette.invoker', value: placement.invoker });
  if (placement.home !== undefined) added.push({ key: 'palette.home', value: placement.home });
  if (placement.reason !== undefined) added.push({ key: 'palette.reason', value: placement.reason });
  if (placement.hops !== undefined) added.push({ key: 'palette.hops', value: placement.hops });
  const warm = placement.invoker === undefined ? undefined : warmOf(own);
  if (warm !== undefined) added.push({ key: 'palette.warm', value: warm });
  return { ...record, annotations: [...own, ...added] };
}

/** The activations view's summary of a record (ActivationBrief), for lists built from records. */
export function briefOf(doc: ActivationDocument): ActivationBrief {
  const start = Number(doc.start);
  const end = Number(doc.end);
  const brief: ActivationBrief = {
    namespace: doc.namespace,
    name: doc.name,
    version: doc.version,
    publish: doc.publish,
    annotations: doc.annotations,
    activationId: doc.activationId,
    start,
  };
  if (end !== 0 && !Number.isNaN(end)) {
    brief.end = end;
    brief.duration = end - start;
    brief.statusCode = doc.response.statusCode;
  }
  if (doc.cause !== undefined) brief.cause = doc.cause;
  return brief;
}

/** The `name` filter: `action` or `pkg/action`, each part a valid entity name. */
function nameParam(req: Request): string | undefined {
  const name = stringParam(req, 'name');
  if (name === undefined) return undefined;
  const parts = name.split('/');
  if (parts.length > 2) throw badRequest(`The name '${name}' is not a valid action or package/action name.`);
  for (const part of parts) checkEntityName(part);
  return name;
}

function matchesName(doc: ActivationDocument, name: string | undefined): boolean {
  if (name === undefined) return true;
  if (!name.includes('/')) return doc.name === name;
  const path = doc.annotations.find((a) => a.key === 'path')?.value;
  return typeof path === 'string' && path.split('/').slice(1).join('/') === name;
}

function inRange(doc: ActivationDocument, since: number | undefined, upto: number | undefined): boolean {
  const start = Number(doc.start);
  return (since === undefined || start >= since) && (upto === undefined || start <= upto);
}

/**
 * A page (newest first, at most `limit`) with the records this replica waited for added where they
 * belong, if the index did not list them yet.
 */
function mergeNewest(
  page: (ActivationBrief | ActivationDocument)[],
  waited: ActivationDocument[],
  limit: number,
  docs: boolean,
): (ActivationBrief | ActivationDocument)[] {
  const listed = new Set(page.map((r) => r.activationId));
  const missing = waited.filter((d) => !listed.has(d.activationId));
  if (missing.length === 0) return page;
  const added = missing.map((d) => (docs ? d : briefOf(d)));
  return [...page, ...added].sort((a, b) => Number(b.start) - Number(a.start)).slice(0, limit);
}

const colorPage = 200;
const colorMaxPages = 50;
/** A placement precedes its activation's start by at most the queueing time plus the action timeout. */
const colorHorizonMs = 10 * 60_000;

export function activationRoutes(deps: ActivationRoutesDeps) {
  /** Records placed with `color`, newest start first, filtered; at most `want` of them. */
  async function byColor(
    namespace: string,
    color: string,
    query: Omit<ActivationQuery, 'limit' | 'skip'>,
    want: number,
  ) {
    const matched: ActivationDocument[] = [];
    for (let page = 0; page < colorMaxPages && matched.length < want; page++) {
      const ids = await deps.placements.idsByColor(namespace, color, {
        limit: colorPage,
        skip: page * colorPage,
        upto: query.upto,
      });
      if (ids.length === 0) break;
      const docs = await deps.activations.getMany(namespace, ids);
      for (const doc of docs)
        if (inRange(doc, query.since, query.upto) && matchesName(doc, query.name)) matched.push(doc);
      if (ids.length < colorPage) break;
      const newest = Math.max(...docs.map((d) => Number(d.start)));
      if (query.since !== undefined && docs.length > 0 && newest < query.since - colorHorizonMs) break;
    }
    return matched.sort((a, b) => Number(b.start) - Number(a.start));
  }

  /** Placement records; this replica's own recent decisions fill in any not readable yet. */
  async function placementsFor(ids: string[]): Promise<Map<string, PlacementInfo>> {
    if (ids.length === 0) return new Map();
    let found: Map<string, PlacementInfo>;
    try {
      found = await deps.placements.getMany(ids);
    } catch (err) {
      deps.onPlacementError?.(err);
      found = new Map();
    }
    if (deps.recent) {
      for (const id of ids) {
        const own = found.has(id) ? undefined : deps.recent.placementOf(id);
        if (own) found.set(id, own);
      }
    }
    return found;
  }

  return {
    async list(req: Request, res: Response): Promise<void> {
      const namespace = resolveNamespace(identityOf(res), String(req.params.ns));
      const docs = boolParam(req, 'docs', false);
      const count = boolParam(req, 'count', false);
      if (docs && count) throw badRequest("The parameter 'docs' is not permitted with 'count'.");
      const filter = { name: nameParam(req), since: intParam(req, 'since'), upto: intParam(req, 'upto') };
      const color = stringParam(req, colorQueryParam);
      // An empty window (upto before since; since defaults to 0): CouchDB refuses a descending range
      // whose start is below its end, so it is answered here rather than turned into a 500.
      const empty = filter.upto !== undefined && filter.upto < (filter.since ?? 0);
      const settled = color === undefined && !empty ? await settle(namespace) : [];
      const ours = settled.filter(
        (d) => inRange(d, filter.since, filter.upto) && matchesName(d, filter.name),
      );

      if (count) {
        if (empty) {
          res.json({ activations: 0 });
          return;
        }
        const n =
          color === undefined
            ? await deps.activations.count(namespace, filter)
            : (await byColor(namespace, color, filter, Infinity)).length;
        res.json({ activations: n });
        return;
      }
      const { limit, skip } = pageParams(req, 'activations');
      let records: (ActivationBrief | ActivationDocument)[];
      if (empty) {
        records = [];
      } else if (color !== undefined) {
        const found = (await byColor(namespace, color, filter, skip + limit)).slice(skip, skip + limit);
        records = docs ? found : found.map(briefOf);
      } else {
        const query = { ...filter, limit, skip };
        records = docs
          ? await deps.activations.listDocs(namespace, query)
          : await deps.activations.list(namespace, query);
        if (skip === 0) records = mergeNewest(records, ours, limit, docs);
      }
      const placements = await placementsFor(records.map((r) => r.activationId));
      res.json(
        records.map((r) => {
          const shown = docs ? extendedActivation(r as ActivationDocument) : r;
          return withPlacement(shown as { annotations?: unknown }, placements.get(r.activationId));
        }),
      );
    },

    async get(req: Request, res: Response): Promise<void> {
      const { doc, placement } = await load(req, res, true);
      res.json(withPlacement(extendedActivation(doc), placement));
    },

    async result(req: Request, res: Response): Promise<void> {
      const { doc } = await load(req, res, false);
      res.json(extendedResponse(doc.response));
    },

    async logs(req: Request, res: Response): Promise<void> {
      const { doc } = await load(req, res, false);
      res.json({ logs: doc.logs });
    },
  };

  async function settle(namespace: string): Promise<ActivationDocument[]> {
    if (!deps.recent) return [];
    return deps.recent.settle(namespace, async (ids) =>
      (await deps.activations.getMany(namespace, ids)).map((doc) => ({ id: doc.activationId, doc })),
    );
  }

  async function load(req: Request, res: Response, withPlacementRecord: boolean) {
    const namespace = resolveNamespace(identityOf(res), String(req.params.ns));
    const id = String(req.params.id);
    if (!activationIdPattern.test(id)) throw badRequest(messages.invalidActivationId);
    const read = () => deps.activations.get(namespace, id);
    const [doc, placements] = await Promise.all([
      deps.recent ? deps.recent.read(namespace, id, read) : read(),
      withPlacementRecord ? placementsFor([id]) : Promise.resolve(new Map<string, PlacementInfo>()),
    ]);
    if (!doc) throw notFound();
    return { doc, placement: placements.get(id) };
  }
}
