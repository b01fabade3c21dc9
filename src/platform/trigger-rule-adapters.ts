/**
 * The API's trigger, rule and fire-record ports over src/store (beside api-adapters.ts). The trigger's record goes through the activation store's batch writer: `_bulk_docs`
 * without `_rev`, so it is create-only.
 */
import type { Logger } from 'pino';
import type { ActivationStore } from '../store/activation-store.js';
import { storedOrPresent } from '../store/bulk-writer.js';
import type { PlacementStore } from '../store/placement-store.js';
import type { WhiskEntityDoc, WhiskEntityStore } from '../store/trigger-rule-store.js';
import type { FireRecordPort, WhiskEntityPort } from '../api/ports.js';
import type { TriggerRuleDeps } from '../api/trigger-rule-api.js';
import { entityDocId, type RuleDocument, type TriggerDocument } from '../api/trigger-rule-doc.js';
import type { Placement } from '../controller/types.js';
import type { WhiskActivation } from '../protocol/index.js';

export function whiskEntityPort<D extends { _id: string }>(
  store: WhiskEntityStore<WhiskEntityDoc>,
): WhiskEntityPort<D> {
  return {
    get: async (namespace, name) => (await store.get(entityDocId(namespace, name))) as D | undefined,
    put: async (doc) => (await store.put(doc as unknown as WhiskEntityDoc)) as unknown as D,
    delete: (doc) => store.delete(doc as unknown as WhiskEntityDoc),
    list: (namespace, page) => store.list(namespace, page),
    listDocs: async (namespace, page) => (await store.listDocs(namespace, page)) as unknown as D[],
    count: (namespace) => store.count(namespace),
  };
}

/** Who else hears of a fire's placement and record (the dashboard's last minute). */
export interface FireRecordListener {
  placed(placement: Placement): void;
  result(record: WhiskActivation): void;
}

export function fireRecordPort(
  stores: { activations: ActivationStore; placements: PlacementStore },
  logger: Logger,
  listener?: FireRecordListener,
): FireRecordPort {
  return {
    async recordActivation(record) {
      listener?.result(record as WhiskActivation);
      const outcome = await stores.activations.put(record as Parameters<ActivationStore['put']>[0]);
      // A conflict is this record, written before a lost answer: the id is the fire's own.
      if (!storedOrPresent(outcome))
        logger.error({ activationId: record.activationId, outcome }, 'trigger record not stored');
    },
    async recordPlacement(placement) {
      listener?.placed(placement);
      const outcome = await stores.placements.record(placement);
      if (!storedOrPresent(outcome))
        logger.warn({ activationId: placement.activationId, outcome }, 'trigger placement not stored');
    },
  };
}

export function triggerRulePorts(
  stores: {
    triggers: WhiskEntityStore<WhiskEntityDoc>;
    rules: WhiskEntityStore<WhiskEntityDoc>;
    activations: ActivationStore;
    placements: PlacementStore;
  },
  policies: TriggerRuleDeps['policies'],
  logger: Logger,
  listener?: FireRecordListener,
): TriggerRuleDeps {
  return {
    triggers: whiskEntityPort<TriggerDocument>(stores.triggers),
    rules: whiskEntityPort<RuleDocument>(stores.rules),
    records: fireRecordPort(stores, logger, listener),
    policies,
  };
}
