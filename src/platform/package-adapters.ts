/** The API's package port over src/store's PackageStore (composition, beside api-adapters.ts). */
import type { PackageDocument, PackageSummary } from '../api/package-doc.js';
import { packageDocId } from '../api/package-doc.js';
import type { PackagePort } from '../api/ports.js';
import type { PackageDoc, PackageStore } from '../store/package-store.js';

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
