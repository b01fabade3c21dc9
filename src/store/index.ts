/**
 * The stores over one CouchDB connection. Callers open the connection (connectCouch) once, with a
 * URL from the configuration or from the embedded pouchdb-server (platform/embedded-couch.ts).
 */
import type { Logger } from 'pino';
import { ActionStore } from './action-store.js';
import { ActivationStore } from './activation-store.js';
import type { CouchConnection } from './couch.js';
import { PackageStore } from './package-store.js';
import { PlacementStore } from './placement-store.js';
import { SubjectStore } from './subject-store.js';
import { WhiskEntityStore, type WhiskEntityDoc } from './trigger-rule-store.js';
import type { WriteBacklog } from './write-backlog.js';

export { connectCouch, databaseNames, openCouch, type CouchConnection } from './couch.js';
export { ActionStore, ActionExistsError, DocumentTypeMismatchError, entityDocId } from './action-store.js';
export { ActivationStore, activationDocId } from './activation-store.js';
export { PackageStore, type PackageDoc, type PackageSummary, type BindingRef } from './package-store.js';
export { seedCatalog } from './catalog.js';
export { PlacementStore } from './placement-store.js';
export { SubjectStore, wellKnownAuth } from './subject-store.js';
export { PersistentColorTable, type ColorTablePort } from './persistent-color-table.js';
export { ColorConfirmations } from './color-confirmation.js';
export { WriteBacklog, type WriteBacklogObserver } from './write-backlog.js';
export { storedOrPresent, type WriteOutcome } from './bulk-writer.js';
export { isUnreachable } from './couch.js';
export { PinStore, type PinTablePort } from './pin-store.js';
export { pinDocId, planDocId, type PlanDoc } from './pin-docs.js';
export {
  WhiskEntityStore,
  EntityConflictError,
  EntityTypeMismatchError,
  type WhiskEntityDoc,
} from './trigger-rule-store.js';

export interface Stores {
  readonly subjects: SubjectStore;
  readonly actions: ActionStore;
  readonly packages: PackageStore;
  readonly activations: ActivationStore;
  readonly placements: PlacementStore;
  readonly triggers: WhiskEntityStore<WhiskEntityDoc>;
  readonly rules: WhiskEntityStore<WhiskEntityDoc>;
  /** Writes what is queued, then stops the batch writers. */
  close(): Promise<void>;
}

export interface StoreWriteOptions {
  /** The process's bound on documents waiting to be written (PALETTE_WRITE_QUEUE_MAX). */
  readonly backlog?: WriteBacklog;
  /** Told when CouchDB stops and starts answering writes. */
  readonly reachability?: { reachable(): void; unreachable(): void };
}

export function createStores(
  couch: CouchConnection,
  logger?: Logger,
  writes: StoreWriteOptions = {},
): Stores {
  const activations = new ActivationStore(couch, { logger, ...writes });
  const placements = new PlacementStore(couch, { logger, ...writes });
  return {
    subjects: new SubjectStore(couch),
    actions: new ActionStore(couch),
    packages: new PackageStore(couch),
    activations,
    placements,
    triggers: new WhiskEntityStore(couch, 'trigger'),
    rules: new WhiskEntityStore(couch, 'rule'),
    close: async () => {
      await Promise.all([activations.close(), placements.close()]);
    },
  };
}
