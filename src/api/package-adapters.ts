/** The API's package port over src/store's PackageStore (kept apart from adapters.ts, which is moving). */
import type { PackageDoc, PackageStore } from '../store/package-store.js';
import type { PackageDocument, PackageSummary } from './package-doc.js';
import { packageDocId } from './package-doc.js';
import type { PackagePort } from './ports.js';

export function packagePort(store: PackageStore): PackagePort {
  return {
    async get(namespace, name) {
      return (await store.get(packageDocId(namespace, name))) as PackageDocument | undefined;
    },
    async put(doc) {
      return (await store.put(doc as PackageDoc)) as PackageDocument;
    },
    async delete(doc) {
      await store.delete(doc);
    },
    async list(namespace, query) {
      return (await store.list(namespace, query)) as PackageSummary[];
    },
    count: (namespace, publicOnly) => store.count(namespace, publicOnly),
  };
}
