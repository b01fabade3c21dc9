/**
 * In-memory trigger, rule and fire-record ports, and an API over them and fakes.ts's fakes, for unit
 * tests of the trigger and rule routes.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createApi } from '../../../src/api/app.js';
import type { ThrottleLimits } from '../../../src/api/limits.js';
import { defaultThrottleLimits } from '../../../src/api/throttles.js';
import type { EntitySummary, FireRecordPort, PageQuery, WhiskEntityPort } from '../../../src/api/ports.js';
import type { RuleDocument, TriggerDocument } from '../../../src/api/trigger-rule-doc.js';
import type { Placement } from '../../../src/controller/types.js';
import {
  basic,
  FakeActions,
  FakePackages,
  FakeActivations,
  FakeCore,
  FakePlacements,
  FakeSubjects,
  guestAuth,
  otherAuth,
} from './fakes.js';

type Doc = {
  _id: string;
  _rev?: string;
  entityType: string;
  namespace: string;
  name: string;
  updated: number;
};

/** One map shared by both ports, as the whisks database is: an id holds one entity of one kind. */
export class FakeWhisks {
  readonly docs = new Map<string, Doc>();
  writes = 0;
  /** Ids whose writes fail with a 409, as if another writer always got there first. */
  readonly alwaysConflict = new Set<string>();
  private revs = 0;

  port<D extends Doc>(entityType: 'trigger' | 'rule'): WhiskEntityPort<D> {
    const inNamespace = (namespace: string) =>
      [...this.docs.values()]
        .filter((d) => d.entityType === entityType && d.namespace === namespace)
        .sort((a, b) => b.updated - a.updated) as D[];
    return {
      get: async (namespace, name) => {
        const doc = this.docs.get(`${namespace}/${name}`);
        if (!doc) return undefined;
        if (doc.entityType !== entityType)
          throw Object.assign(new Error('mismatch'), { name: 'DocumentTypeMismatchError' });
        return structuredClone(doc) as D;
      },
      put: async (doc) => {
        const current = this.docs.get(doc._id);
        if (this.alwaysConflict.has(doc._id) || (current?._rev ?? undefined) !== (doc._rev ?? undefined)) {
          throw Object.assign(new Error('conflict'), { statusCode: 409 });
        }
        this.writes++;
        const stored = { ...structuredClone(doc), entityType, _rev: `${++this.revs}-x` };
        this.docs.set(doc._id, stored);
        return structuredClone(stored) as D;
      },
      delete: async (doc) => {
        const current = this.docs.get(doc._id);
        if (!current || current._rev !== doc._rev)
          throw Object.assign(new Error('conflict'), { statusCode: 409 });
        this.writes++;
        this.docs.delete(doc._id);
      },
      list: async (namespace, page: PageQuery): Promise<EntitySummary[]> => {
        return inNamespace(namespace)
          .slice(page.skip, page.skip + page.limit)
          .map((d) => {
            const e = d as unknown as EntitySummary;
            return {
              namespace: e.namespace,
              name: e.name,
              version: e.version,
              publish: e.publish,
              annotations: e.annotations,
              updated: e.updated,
            };
          });
      },
      listDocs: async (namespace, page) => {
        return inNamespace(namespace).slice(page.skip, page.skip + page.limit);
      },
      count: async (namespace) => {
        return inNamespace(namespace).length;
      },
    };
  }
}

export class FakeFireRecords implements FireRecordPort {
  readonly activations: Record<string, unknown>[] = [];
  readonly placements: Placement[] = [];
  async recordActivation(record: Record<string, unknown> & { namespace: string; activationId: string }) {
    this.activations.push(record);
  }
  async recordPlacement(placement: Placement): Promise<void> {
    this.placements.push(placement);
  }
}

export interface TriggerRuleTestApi {
  url: string;
  core: FakeCore;
  subjects: FakeSubjects;
  actions: FakeActions;
  whisks: FakeWhisks;
  records: FakeFireRecords;
  call(
    method: string,
    path: string,
    body?: unknown,
    auth?: string,
  ): Promise<{ status: number; text: string; json: unknown }>;
  close(): Promise<void>;
}

/** `limits`: fires per minute, or any of the default limits (R11's otherwise). */
export async function startTriggerRuleApi(
  limits?: number | Partial<ThrottleLimits>,
): Promise<TriggerRuleTestApi> {
  const own = typeof limits === 'number' ? { firesPerMinute: limits } : limits;
  const core = new FakeCore();
  const subjects = new FakeSubjects();
  subjects.add('guest', guestAuth);
  subjects.add('other', otherAuth);
  const actions = new FakeActions();
  const whisks = new FakeWhisks();
  const records = new FakeFireRecords();
  const app = createApi({
    core,
    inFlight: core,
    ...(own ? { limits: { defaults: { ...defaultThrottleLimits, ...own }, replicas: 1 } } : {}),
    subjects,
    actions,
    packages: new FakePackages(actions),
    activations: new FakeActivations(),
    placements: new FakePlacements(),
    triggerRules: {
      triggers: whisks.port<TriggerDocument>('trigger'),
      rules: whisks.port<RuleDocument>('rule'),
      records,
      policies: { colored: 'consistent-hash', uncolored: 'openwhisk-sharding' },
    },
    config: { controllerId: 'palette0' },
    logger: pino({ level: 'silent' }),
    metrics: new Registry(),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    core,
    subjects,
    actions,
    whisks,
    records,
    async call(method, path, body, auth = guestAuth) {
      const response = await fetch(url + path, {
        method,
        headers: {
          authorization: basic(auth),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, text, json };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
