/**
 * Subjects and their namespaces (the `<prefix>subjects` database), in OpenWhisk's shape (§5.5):
 * `{_id: subject, subject, namespaces: [{name, uuid, key}]}`. Authentication looks an identity up
 * by uuid and key through `subjects.v2.0.0/identities`, as OpenWhisk's Identity.get does, with the
 * namespace's limits document joined in. Every call asks CouchDB: the caches in front of it (the
 * API's, and the store port's with its stale-if-error copy) are src/platform's and src/api's, one
 * cache type for every document (DECISIONS R25).
 */
import type nano from 'nano';
import { ddocNames } from './design-docs.js';
import { isConflict, type CouchConnection } from './couch.js';

export interface NamespaceEntry {
  readonly name: string;
  readonly uuid: string;
  readonly key: string;
}

export interface SubjectDoc {
  readonly _id: string;
  readonly _rev?: string;
  readonly subject: string;
  readonly namespaces: readonly NamespaceEntry[];
  readonly blocked?: boolean;
}

export interface Identity {
  readonly subject: string;
  readonly namespace: { readonly name: string; readonly uuid: string };
  readonly authkey: { readonly uuid: string; readonly key: string };
  /** The namespace's `<ns>/limits` document, if any (UserLimits fields). */
  readonly limits: Record<string, unknown>;
}

/** OpenWhisk's default seeds (ansible/files/auth.guest, auth.whisk.system). */
export const wellKnownAuth = {
  guest:
    '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP',
  'whisk.system':
    '789c46b1-71f6-4ed5-8c54-816aa4f8c502:abczO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP',
} as const;

export function subjectDocFor(subject: string, auth: string, namespace = subject): SubjectDoc {
  const [uuid = '', key = ''] = auth.split(':');
  return { _id: subject, subject, namespaces: [{ name: namespace, uuid, key }] };
}

interface IdentityRow {
  id: string;
  value: { namespace: string; uuid: string; key: string };
  doc?: Record<string, unknown> | null;
}

export class SubjectStore {
  private readonly db: nano.DocumentScope<SubjectDoc>;

  /** Told after this store wrote something identities are made of (the caches in front drop theirs). */
  private readonly writeListeners: (() => void)[] = [];

  constructor(couch: CouchConnection) {
    this.db = couch.db<SubjectDoc>('subjects');
  }

  onWrite(listener: () => void): void {
    this.writeListeners.push(listener);
  }

  /** Creates the guest and whisk.system subjects unless they exist (never overwrites). */
  async seedWellKnown(): Promise<void> {
    for (const [subject, auth] of Object.entries(wellKnownAuth))
      await this.create(subjectDocFor(subject, auth));
  }

  /** Creates a subject; false if one with this id exists already. */
  async create(doc: SubjectDoc): Promise<boolean> {
    try {
      await this.db.insert({ ...doc });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /**
   * Writes the namespace's `<namespace>/limits` document (UserLimits fields, e.g.
   * `{invocationsPerMinute: 3}`), replacing any earlier one. Identities read it through the
   * identities view, so it applies once their caches expire.
   */
  async putLimits(namespace: string, limits: Readonly<Record<string, unknown>>): Promise<void> {
    const _id = `${namespace}/limits`;
    for (;;) {
      const existing = await this.db.get(_id).catch((err: { statusCode?: number }) => {
        if (err.statusCode === 404) return undefined;
        throw err;
      });
      try {
        await this.db.insert({ ...limits, _id, ...(existing ? { _rev: existing._rev } : {}) } as never);
        for (const listener of this.writeListeners) listener();
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  /** The identity owning this uuid and key, or undefined (unknown, or its subject is blocked). */
  async identityByKey(uuid: string, key: string): Promise<Identity | undefined> {
    return this.lookup([uuid, key], 2);
  }

  /** `uuid:key` as `wsk` sends it (Basic auth user and password). */
  identityByAuth(auth: string): Promise<Identity | undefined> {
    const colon = auth.indexOf(':');
    if (colon <= 0) return Promise.resolve(undefined);
    return this.identityByKey(auth.slice(0, colon), auth.slice(colon + 1));
  }

  async identityByNamespace(namespace: string): Promise<Identity | undefined> {
    return this.lookup([namespace], 1);
  }

  private async lookup(key: string[], limit: number): Promise<Identity | undefined> {
    const response = await this.db.view<IdentityRow['value']>(ddocNames.subjects, 'identities', {
      startkey: key,
      endkey: key,
      include_docs: true,
      descending: true,
      limit,
    });
    // OpenWhisk requires exactly one row: a key shared by two subjects authenticates nobody.
    if (response.rows.length !== 1) return undefined;
    const row = response.rows[0] as unknown as IdentityRow;
    const limits: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row.doc ?? {})) if (!k.startsWith('_')) limits[k] = v;
    return {
      subject: row.id,
      namespace: { name: row.value.namespace, uuid: row.value.uuid },
      authkey: { uuid: row.value.uuid, key: row.value.key },
      limits,
    };
  }
}
