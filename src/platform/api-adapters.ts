/**
 * The API's ports over src/store's CouchDB stores: composition, so it lives here rather than in
 * src/api (which knows only its ports) or src/store (which knows nothing of the API). Identities become OpenWhisk's wire Identity
 * (`authkey.api_key`, the four user rights), which the controller embeds in every ActivationMessage.
 */
import type { ActionDocument, ActivationDocument, Identity } from '../protocol/index.js';
import type { ActionStore } from '../store/action-store.js';
import { ActionExistsError, entityDocId } from '../store/action-store.js';
import type { ActivationStore } from '../store/activation-store.js';
import type { PackageStore } from '../store/package-store.js';
import type { Placement, PlacementStore } from '../store/placement-store.js';
import type { SubjectStore } from '../store/subject-store.js';
import type {
  ActionPort,
  ActivationPort,
  PackagePort,
  PlacementInfo,
  PlacementPort,
  SubjectPort,
} from '../api/ports.js';
import { packagePort } from './package-adapters.js';

/** OpenWhisk's Privilege.ALL rights of a user on its own namespace (REJECT is not a right). */
const userRights: Identity['rights'] = ['READ', 'PUT', 'DELETE', 'ACTIVATE'];

type StoredIdentity = NonNullable<Awaited<ReturnType<SubjectStore['identityByKey']>>>;

function wireIdentity(found: StoredIdentity | undefined): Identity | undefined {
  if (!found) return undefined;
  return {
    subject: found.subject,
    namespace: { name: found.namespace.name, uuid: found.namespace.uuid },
    authkey: { api_key: `${found.authkey.uuid}:${found.authkey.key}` },
    rights: [...userRights],
    limits: { ...found.limits },
  };
}

export function subjectPort(store: SubjectStore): SubjectPort {
  return {
    async identityByKey(uuid, key) {
      return wireIdentity(await store.identityByKey(uuid, key));
    },
    async identityByNamespace(namespace) {
      return wireIdentity(await store.identityByNamespace(namespace));
    },
  };
}

export function actionPort(store: ActionStore): ActionPort {
  return {
    async get(namespace, name) {
      return (await store.get(entityDocId(namespace, name))) as ActionDocument | undefined;
    },
    async put(doc) {
      // With a revision this replaces the document; without one an existing document is a 409.
      try {
        const stored = await store.put(doc as Parameters<ActionStore['put']>[0], {
          overwrite: doc._rev !== undefined,
        });
        return stored as ActionDocument;
      } catch (err) {
        // The API maps statusCode 409 to OpenWhisk's "resource already exists".
        if (err instanceof ActionExistsError)
          throw Object.assign(new Error(err.message), { statusCode: 409 });
        throw err;
      }
    },
    async delete(doc) {
      await store.delete(doc._id);
    },
    list: (namespace, page) => store.list(namespace, page),
    count: (namespace) => store.count(namespace),
  };
}

/** Reads `ids` with at most `parallel` requests at a time. */
async function readAll<T>(
  ids: readonly string[],
  parallel: number,
  read: (id: string) => Promise<T | undefined>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += parallel) {
    const batch = await Promise.all(ids.slice(i, i + parallel).map(read));
    for (const item of batch) if (item !== undefined) out.push(item);
  }
  return out;
}

export function activationPort(store: ActivationStore): ActivationPort {
  return {
    async get(namespace, id) {
      return (await store.get(namespace, id)) as ActivationDocument | undefined;
    },
    getMany: (namespace, ids) =>
      readAll(ids, 16, async (id) => (await store.get(namespace, id)) as ActivationDocument | undefined),
    list: (namespace, query) => store.list(namespace, query),
    async listDocs(namespace, query) {
      return (await store.listDocs(namespace, query)) as ActivationDocument[];
    },
    count: (namespace, query) => store.count(namespace, query),
  };
}

/** What the activations API shows of a placement (record or decision). */
export function placementInfo(p: Placement): PlacementInfo {
  const info: PlacementInfo = { policy: p.policy };
  if (p.color !== undefined) info.color = p.color;
  if (p.invoker !== undefined) info.invoker = p.invoker;
  if (p.home !== undefined) info.home = p.home;
  if (p.reason !== undefined) info.reason = p.reason;
  if (p.hops !== undefined) info.hops = p.hops;
  return info;
}

export function placementPort(store: PlacementStore): PlacementPort {
  return {
    async getMany(ids) {
      const found = await store.getMany(ids);
      const out = new Map<string, PlacementInfo>();
      for (const [id, p] of found) out.set(id, placementInfo(p));
      return out;
    },
    idsByColor: (namespace, color, query) => store.activationIdsByColor(namespace, color, query),
  };
}

export interface Stores {
  subjects: SubjectStore;
  actions: ActionStore;
  packages: PackageStore;
  activations: ActivationStore;
  placements: PlacementStore;
}

/** All the ports over the CouchDB stores, ready for createApi. */
export function storePorts(stores: Stores): {
  subjects: SubjectPort;
  actions: ActionPort;
  packages: PackagePort;
  activations: ActivationPort;
  placements: PlacementPort;
} {
  return {
    subjects: subjectPort(stores.subjects),
    actions: actionPort(stores.actions),
    packages: packagePort(stores.packages),
    activations: activationPort(stores.activations),
    placements: placementPort(stores.placements),
  };
}
