/**
 * `createInvoker` wires one invoker to a message bus and a CouchDB connection (used by the embedded
 * platform, which runs invokers in process with the Lean bus, and by invoker-main.ts, one invoker
 * per process). Composition, so it lives here: src/invoker itself never imports src/store.
 */
import type { Logger } from 'pino';
import { Invoker, type InvokerOptions, type InvokerStageObserver } from '../invoker/index.js';
import type { MessageBus } from '../messaging/bus.js';
import { ActivationStore } from '../store/activation-store.js';
import { WriteBacklog } from '../store/write-backlog.js';
import type { CouchConnection } from '../store/couch.js';
import { CouchActionSource, StoreActivationSink } from './invoker-adapters.js';

export interface InvokerWiring {
  readonly id: number;
  readonly name?: string;
  readonly userMemoryMB: number;
  readonly bus: MessageBus;
  readonly couch: CouchConnection;
  /** CouchDB URL (with credentials) that actions may use as their remote store: PALETTE_COUCHDB_URL. */
  readonly remoteStoreUrl?: string;
  /** The REST API the actions may call back: __OW_API_HOST. */
  readonly apiHost?: string;
  readonly logger?: Logger;
  /** Records kept while CouchDB cannot take them (PALETTE_WRITE_QUEUE_MAX); default unbounded. */
  readonly writeQueueMax?: number;
  /** palette_invoker_stage_seconds; absent, the invoker times nothing. */
  readonly stages?: InvokerStageObserver;
  readonly overrides?: Partial<
    Omit<InvokerOptions, 'id' | 'name' | 'userMemoryMB' | 'bus' | 'actions' | 'activations'>
  >;
}

export interface WiredInvoker {
  readonly invoker: Invoker;
  /** Stops the invoker, then writes the queued activation records. */
  stop(): Promise<void>;
}

export function createInvoker(wiring: InvokerWiring): WiredInvoker {
  // Records go out after the acks (OpenWhisk's order); while CouchDB is down they wait, bounded.
  const activationStore = new ActivationStore(wiring.couch, {
    logger: wiring.logger,
    ...(wiring.writeQueueMax !== undefined
      ? { backlog: new WriteBacklog(wiring.writeQueueMax, wiring.logger) }
      : {}),
  });
  const containerEnv: Record<string, string> = {
    ...(wiring.remoteStoreUrl ? { PALETTE_COUCHDB_URL: wiring.remoteStoreUrl } : {}),
    ...(wiring.apiHost ? { __OW_API_HOST: wiring.apiHost } : {}),
    ...wiring.overrides?.containerEnv,
  };
  const invoker = new Invoker({
    ...wiring.overrides,
    id: wiring.id,
    name: wiring.name,
    userMemoryMB: wiring.userMemoryMB,
    bus: wiring.bus,
    actions: new CouchActionSource(wiring.couch),
    activations: new StoreActivationSink(activationStore, wiring.logger),
    containerEnv,
    logger: wiring.logger,
    ...(wiring.stages ? { stages: wiring.stages } : {}),
  });
  return {
    invoker,
    stop: async () => {
      await invoker.stop();
      await activationStore.close();
    },
  };
}
