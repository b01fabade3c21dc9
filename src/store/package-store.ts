/**
 * Packages and package bindings (the `<prefix>whisks` database) in OpenWhisk's document shape
 * (WhiskPackage.scala): `_id` `<namespace>/<name>`, `entityType: "package"`, `binding` (`{}` for a
 * package, `{namespace, name}` for a binding: OpenWhisk's views tell the two apart by it),
 * parameters, annotations, version, publish, `updated`. Listing goes through OpenWhisk's
 * `whisks.v2.1.0/packages` view (a namespace's packages and bindings) or `packages-public`
 * (its published packages, what other namespaces see).
 */
import type nano from 'nano';
import type { PackageDocument, PackageSummary } from '../protocol/index.js';
import { DocumentTypeMismatchError } from './action-store.js';
import { ddocNames } from './design-docs.js';
import { isNotFound, TOP, type CouchConnection } from './couch.js';

export type { BindingRef, PackageSummary } from '../protocol/index.js';
/** The store keeps OpenWhisk's package document (the fields it relies on; the rest kept as is). */
export type PackageDoc = PackageDocument;

export interface PackageListOptions {
  readonly limit?: number;
  readonly skip?: number;
  /** Only published packages (no bindings): what another namespace may see. */
  readonly publicOnly?: boolean;
}

export class PackageStore {
  private readonly db: nano.DocumentScope<PackageDoc>;

  constructor(couch: CouchConnection) {
    this.db = couch.db<PackageDoc>('whisks');
  }

  /** The package or binding; undefined when absent; DocumentTypeMismatchError when the id holds another entity. */
  async get(id: string): Promise<PackageDoc | undefined> {
    let doc: PackageDoc;
    try {
      doc = (await this.db.get(id)) as PackageDoc;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (doc.entityType !== 'package') throw new DocumentTypeMismatchError(id, doc.entityType, 'package');
    return doc;
  }

  /**
   * Writes the document: without `_rev` it must not exist yet, with one it replaces that revision.
   * A conflict is CouchDB's 409 (`statusCode: 409`), which the API answers as OpenWhisk does.
   */
  async put(pkg: PackageDoc): Promise<PackageDoc> {
    const result = await this.db.insert({ ...pkg });
    return { ...pkg, _rev: result.rev };
  }

  /** Deletes the given revision (a stale one is CouchDB's 409). */
  async delete(doc: Pick<PackageDoc, '_id' | '_rev'>): Promise<void> {
    if (!doc._rev) throw new Error(`delete of ${doc._id} needs its _rev`);
    await this.db.destroy(doc._id, doc._rev);
  }

  /** Summaries of the namespace's packages and bindings (or only its published packages), newest first. */
  async list(namespace: string, options: PackageListOptions = {}): Promise<PackageSummary[]> {
    const response = await this.db.view<PackageSummary>(ddocNames.whisks, viewName(options.publicOnly), {
      startkey: [namespace, TOP],
      endkey: [namespace],
      descending: true,
      reduce: false,
      ...(options.skip ? { skip: options.skip } : {}),
      ...(options.limit ? { limit: options.limit } : {}),
    });
    return response.rows.map((row) => row.value);
  }

  async count(namespace: string, publicOnly = false): Promise<number> {
    const response = await this.db.view<number>(ddocNames.whisks, viewName(publicOnly), {
      startkey: [namespace],
      endkey: [namespace, TOP],
      reduce: true,
    });
    return response.rows[0]?.value ?? 0;
  }
}

function viewName(publicOnly: boolean | undefined): string {
  return publicOnly ? 'packages-public' : 'packages';
}
