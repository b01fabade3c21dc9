/**
 * In-memory stand-ins for the API's ports and the controller core, for unit tests of the REST layer
 * only. The fake core records what it was asked and answers what the test scripts.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createApi, type ApiApp, type ApiConfig } from '../../../src/api/app.js';
import type { ThrottleConfig } from '../../../src/api/throttles.js';
import type { AffinityPort } from '../../../src/api/routes/affinity.js';
import { actionMeta } from '../../../src/api/action-doc.js';
import { briefOf } from '../../../src/api/activations.js';
import { RecentActivations } from '../../../src/api/recent-activations.js';
import { DashboardActivity } from '../../../src/api/dashboard/activity.js';
import type { InFlightActivation, InFlightPort } from '../../../src/api/routes/palette.js';
import { packageSummary, type PackageDocument, type PackageSummary } from '../../../src/api/package-doc.js';
import type {
  ActionPort,
  ActivationPort,
  ActivationQuery,
  PackagePort,
  PageQuery,
  PlacementInfo,
  PlacementPort,
  SubjectPort,
} from '../../../src/api/ports.js';
import type {
  ControllerCore,
  InvocationOutcome,
  InvocationRequest,
  InvokerHealthEntry,
} from '../../../src/controller/types.js';
import type { ActionDocument, ActivationDocument, Identity } from '../../../src/protocol/index.js';

export const guestAuth =
  '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP';
export const otherAuth =
  'aaaaaaaa-71f6-4ed5-8c54-816aa4f8c502:otherkeyotherkeyotherkeyotherkeyotherkeyotherkeyotherkeyotherkey';

export function basic(auth: string): string {
  return `Basic ${Buffer.from(auth).toString('base64')}`;
}

export class FakeSubjects implements SubjectPort {
  lookups = 0;
  readonly identities = new Map<string, Identity>();

  add(namespace: string, auth: string): void {
    const [uuid = '', key = ''] = auth.split(':');
    this.identities.set(`${uuid}:${key}`, {
      subject: namespace,
      namespace: { name: namespace, uuid },
      authkey: { api_key: auth },
      rights: ['READ', 'PUT', 'DELETE', 'ACTIVATE'],
      limits: {},
    });
  }

  async identityByKey(uuid: string, key: string): Promise<Identity | undefined> {
    this.lookups++;
    return this.identities.get(`${uuid}:${key}`);
  }

  async identityByNamespace(namespace: string): Promise<Identity | undefined> {
    this.lookups++;
    return [...this.identities.values()].find((i) => i.namespace.name === namespace);
  }
}

const typeMismatch = () => Object.assign(new Error('mismatch'), { name: 'DocumentTypeMismatchError' });

export class FakeActions implements ActionPort {
  readonly docs = new Map<string, ActionDocument>();
  /** The packages sharing the whisks database: their ids are not actions. */
  packages?: FakePackages;
  gets = 0;
  private revs = 0;

  async get(namespace: string, name: string): Promise<ActionDocument | undefined> {
    this.gets++;
    if (this.packages?.docs.has(`${namespace}/${name}`)) throw typeMismatch();
    const doc = this.docs.get(`${namespace}/${name}`);
    return doc ? structuredClone(doc) : undefined;
  }

  async put(doc: ActionDocument): Promise<ActionDocument> {
    const current = this.docs.get(doc._id);
    if ((current?._rev ?? undefined) !== (doc._rev ?? undefined))
      throw Object.assign(new Error('conflict'), { statusCode: 409 });
    const stored = { ...structuredClone(doc), _rev: `${++this.revs}-x` };
    this.docs.set(doc._id, stored);
    return structuredClone(stored);
  }

  async delete(doc: ActionDocument): Promise<void> {
    const current = this.docs.get(doc._id);
    if (!current || current._rev !== doc._rev)
      throw Object.assign(new Error('conflict'), { statusCode: 409 });
    this.docs.delete(doc._id);
  }

  private inNamespace(namespace: string): ActionDocument[] {
    return [...this.docs.values()]
      .filter((d) => d.namespace === namespace)
      .sort((a, b) => b.updated - a.updated);
  }

  async list(namespace: string, page: PageQuery) {
    const all = this.inNamespace(namespace);
    // limit 0: everything (as the CouchDB store reads it).
    return all.slice(page.skip, page.limit === 0 ? all.length : page.skip + page.limit).map(actionMeta);
  }

  async count(namespace: string): Promise<number> {
    return this.inNamespace(namespace).length;
  }
}

export class FakePackages implements PackagePort {
  readonly docs = new Map<string, PackageDocument>();
  private revs = 0;

  constructor(private readonly actions?: FakeActions) {}

  async get(namespace: string, name: string): Promise<PackageDocument | undefined> {
    if (this.actions?.docs.has(`${namespace}/${name}`)) throw typeMismatch();
    const doc = this.docs.get(`${namespace}/${name}`);
    return doc ? structuredClone(doc) : undefined;
  }

  async put(doc: PackageDocument): Promise<PackageDocument> {
    const current = this.docs.get(doc._id);
    if ((current?._rev ?? undefined) !== (doc._rev ?? undefined))
      throw Object.assign(new Error('conflict'), { statusCode: 409 });
    const stored = { ...structuredClone(doc), _rev: `${++this.revs}-p` };
    this.docs.set(doc._id, stored);
    return structuredClone(stored);
  }

  async delete(doc: PackageDocument): Promise<void> {
    const current = this.docs.get(doc._id);
    if (!current || current._rev !== doc._rev)
      throw Object.assign(new Error('conflict'), { statusCode: 409 });
    this.docs.delete(doc._id);
  }

  private inNamespace(namespace: string, publicOnly: boolean): PackageSummary[] {
    return [...this.docs.values()]
      .filter((d) => d.namespace === namespace)
      .map(packageSummary)
      .filter((s) => !publicOnly || (s.publish && s.binding === false))
      .sort((a, b) => b.updated - a.updated);
  }

  async list(namespace: string, query: PageQuery & { publicOnly: boolean }): Promise<PackageSummary[]> {
    const all = this.inNamespace(namespace, query.publicOnly);
    return all.slice(query.skip, query.limit === 0 ? all.length : query.skip + query.limit);
  }

  async count(namespace: string, publicOnly: boolean): Promise<number> {
    return this.inNamespace(namespace, publicOnly).length;
  }
}

export class FakeActivations implements ActivationPort {
  readonly docs = new Map<string, ActivationDocument>();
  lastQuery?: ActivationQuery;

  add(doc: ActivationDocument): void {
    this.docs.set(doc._id, doc);
  }

  async get(namespace: string, id: string) {
    return this.docs.get(`${namespace}/${id}`);
  }

  async getMany(namespace: string, ids: readonly string[]) {
    return ids.flatMap((id) => {
      const doc = this.docs.get(`${namespace}/${id}`);
      return doc ? [doc] : [];
    });
  }

  private filtered(namespace: string, q: Omit<ActivationQuery, 'limit' | 'skip'>): ActivationDocument[] {
    refuseInvertedRange(q.since, q.upto);
    return [...this.docs.values()]
      .filter((d) => d.namespace === namespace)
      .filter((d) => q.name === undefined || d.name === q.name)
      .filter(
        (d) =>
          (q.since === undefined || Number(d.start) >= q.since) &&
          (q.upto === undefined || Number(d.start) <= q.upto),
      )
      .sort((a, b) => Number(b.start) - Number(a.start));
  }

  async listDocs(namespace: string, q: ActivationQuery) {
    this.lastQuery = q;
    return this.filtered(namespace, q).slice(q.skip, q.skip + q.limit);
  }

  async list(namespace: string, q: ActivationQuery) {
    return (await this.listDocs(namespace, q)).map(briefOf);
  }

  async count(namespace: string, q: Omit<ActivationQuery, 'limit' | 'skip'>) {
    return this.filtered(namespace, q).length;
  }
}

/** What CouchDB answers for a descending view query whose start key sorts below its end key. */
function refuseInvertedRange(since: number | undefined, upto: number | undefined): void {
  if (upto !== undefined && upto < (since ?? 0))
    throw Object.assign(new Error('No rows can match your key range, reverse your start_key and end_key'), {
      statusCode: 400,
      name: 'query_parse_error',
    });
}

export class FakePlacements implements PlacementPort {
  readonly records = new Map<string, PlacementInfo & { namespace: string; at: number }>();
  failing = false;

  async getMany(ids: readonly string[]) {
    if (this.failing) throw new Error('placements database down');
    const out = new Map<string, PlacementInfo>();
    for (const id of ids) {
      const r = this.records.get(id);
      if (r) {
        const { namespace: _ns, at: _at, ...info } = r;
        out.set(id, info);
      }
    }
    return out;
  }

  async idsByColor(namespace: string, color: string, q: PageQuery & { upto?: number }) {
    refuseInvertedRange(undefined, q.upto);
    return [...this.records.entries()]
      .filter(
        ([, r]) => r.namespace === namespace && r.color === color && (q.upto === undefined || r.at <= q.upto),
      )
      .sort(([, a], [, b]) => b.at - a.at)
      .slice(q.skip, q.skip + q.limit)
      .map(([id]) => id);
  }
}

export class FakeInFlight implements InFlightPort {
  entries: InFlightActivation[] = [];
  inFlight(): readonly InFlightActivation[] {
    return this.entries;
  }
}

/** The affinity route's store: plans kept in memory, per namespace. */
export class FakeAffinity implements AffinityPort {
  readonly pins = new Map<string, Map<string, number>>();
  readonly plans = new Map<string, { plannedAt: number; summary: Record<string, unknown> }>();
  async writePlan(
    namespace: string,
    assignment: Iterable<readonly [string, number]>,
    summary: Record<string, unknown>,
  ): Promise<{ pinned: number; removed: number }> {
    const next = new Map(assignment);
    const removed = [...(this.pins.get(namespace)?.keys() ?? [])].filter((c) => !next.has(c)).length;
    this.pins.set(namespace, next);
    this.plans.set(namespace, { plannedAt: Date.now(), summary });
    return { pinned: next.size, removed };
  }
  async readPlan(namespace: string) {
    return this.plans.get(namespace);
  }
}

type Responder = (request: InvocationRequest) => Promise<InvocationOutcome>;

export class FakeCore implements ControllerCore {
  readonly requests: InvocationRequest[] = [];
  ready = true;
  health: InvokerHealthEntry[] = [];
  respond: Responder = async () => ({ kind: 'accepted', activationId: '0123456789abcdef0123456789abcdef' });
  /** Activations "in flight" per namespace, as the test sets them (the concurrent limit reads it). */
  readonly running = new Map<string, number>();

  activeActivationsFor(namespace: string): number {
    return this.running.get(namespace) ?? 0;
  }

  invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    this.requests.push(request);
    return this.respond(request);
  }
  invokerHealth(): InvokerHealthEntry[] {
    return this.health;
  }
  isReady(): boolean {
    return this.ready;
  }
  async close(): Promise<void> {}
}

export interface TestApi {
  url: string;
  /** The app itself (its route table, for the fuzzer). */
  app: ApiApp;
  core: FakeCore;
  subjects: FakeSubjects;
  actions: FakeActions;
  packages: FakePackages;
  activations: FakeActivations;
  placements: FakePlacements;
  inFlight: FakeInFlight;
  /** The read-your-writes book (R6) the activation routes consult. */
  recent: RecentActivations;
  affinity: FakeAffinity;
  /** The dashboard's book (fed by the test) and its `palette_colors_per_invoker` values. */
  activity: DashboardActivity;
  colorsPerInvoker: Map<number, number>;
  registry: Registry;
  close(): Promise<void>;
  /** fetch with the guest's credentials unless `auth` is given (null: no Authorization header). */
  call(
    method: string,
    path: string,
    init?: { body?: unknown; auth?: string | null; headers?: Record<string, string>; raw?: string | Buffer },
  ): Promise<globalThis.Response>;
}

/** `expressOnly`: serve through express alone (no invoke fast path), to check both paths agree. */
export async function startTestApi(
  config: Partial<ApiConfig> = {},
  expressOnly = false,
  limits?: ThrottleConfig,
): Promise<TestApi> {
  const core = new FakeCore();
  const subjects = new FakeSubjects();
  subjects.add('guest', guestAuth);
  subjects.add('other', otherAuth);
  const actions = new FakeActions();
  const packages = new FakePackages(actions);
  actions.packages = packages;
  const activations = new FakeActivations();
  const placements = new FakePlacements();
  const inFlight = new FakeInFlight();
  const recent = new RecentActivations({ waitMs: 300 });
  const registry = new Registry();
  const affinity = new FakeAffinity();
  const activity = new DashboardActivity();
  const colorsPerInvoker = new Map<number, number>();
  const app = createApi({
    affinity,
    core,
    inFlight: core,
    ...(limits ? { limits } : {}),
    subjects,
    actions,
    packages,
    activations,
    placements,
    inFlightList: inFlight,
    dashboard: { activity, colorsPerInvoker: async () => colorsPerInvoker, intervalMs: 50, maxStreams: 4 },
    recent,
    config: { controllerId: 'palette0', ...config },
    logger: pino({ level: 'silent' }),
    metrics: registry,
  });
  const server: Server = await new Promise((resolve) => {
    const s = expressOnly
      ? createServer(app).listen(0, '127.0.0.1', () => resolve(s))
      : app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    app,
    core,
    subjects,
    actions,
    packages,
    activations,
    placements,
    inFlight,
    recent,
    affinity,
    activity,
    colorsPerInvoker,
    registry,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    call(method, path, init = {}) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      const auth = init.auth === undefined ? guestAuth : init.auth;
      if (auth !== null) headers.authorization = basic(auth);
      let body: string | Buffer | undefined = init.raw;
      if (init.body !== undefined) body = JSON.stringify(init.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      return fetch(url + path, { method, headers, body });
    },
  };
}

export function activationDoc(
  over: Partial<ActivationDocument> & { activationId: string; start: number },
): ActivationDocument {
  const namespace = over.namespace ?? 'guest';
  const end = over.end ?? over.start + 5;
  return {
    _id: `${namespace}/${over.activationId}`,
    entityType: 'activation',
    updated: end,
    namespace,
    name: 'hello',
    subject: 'guest',
    end,
    response: { statusCode: 0, result: { ok: true }, size: 11 },
    logs: ['2023-11-14T22:13:20.012345678Z stdout: hi'],
    version: '0.0.1',
    publish: false,
    annotations: [
      { key: 'path', value: `${namespace}/hello` },
      { key: 'kind', value: 'nodejs:20' },
    ],
    ...over,
  } as ActivationDocument;
}
