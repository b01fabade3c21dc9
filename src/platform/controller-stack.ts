/**
 * One controller replica's parts, wired: stores over a CouchDB connection, the message bus, the
 * policies (the least-assigned table persisted in CouchDB), the controller core and the REST API.
 * Nothing here waits for Kafka or CouchDB: the API can answer /ping before they are reachable, and
 * `start` connects them (controller-main.ts retries it; the embedded platform awaits it).
 */
import type { Logger } from 'pino';
import type express from 'express';
import { ColorTable, createPolicy, LoadTracker } from '../balancer/index.js';
import type { PolicyName } from '../balancer/types.js';
import { createApi } from '../api/app.js';
import { storePorts } from './api-adapters.js';
import { componentResolver } from '../api/component-resolver.js';
import { resolvePackagedAction } from '../api/package-access.js';
import { SequenceRunner } from '../controller/sequence.js';
import { triggerRulePorts } from './trigger-rule-adapters.js';
import { Controller } from '../controller/controller.js';
import { ControllerMetrics } from '../controller/metrics.js';
import { StageMetrics } from '../controller/stage-timing.js';
import { createMessageBus, type MessageBus } from '../messaging/index.js';
import type { ActionDocument, WhiskActivation } from '../protocol/index.js';
import { createStores, PersistentColorTable, type Stores } from '../store/index.js';
import type { CouchConnection } from '../store/couch.js';
import { messageBusOptions, type Config } from './config.js';

export interface ControllerStack {
  readonly stores: Stores;
  readonly bus: MessageBus;
  readonly controller: Controller;
  readonly metrics: ControllerMetrics;
  /** palette_stage_seconds; the bench reads its raw samples through `onRequest`. */
  readonly stages: StageMetrics;
  readonly app: express.Express;
  /** Loads the least-assigned table from CouchDB and follows it (no-op when no policy uses it). */
  startTable(): Promise<void>;
  close(): Promise<void>;
}

export function createControllerStack(
  config: Config,
  couch: CouchConnection,
  logger: Logger,
): ControllerStack {
  const stores = createStores(couch, logger);
  const bus = createMessageBus(messageBusOptions(config), {
    logger,
    clientId: `controller${config.controllerId}`,
  });

  const colorTable = new ColorTable();
  const policyFor = (name: PolicyName) =>
    createPolicy(name, { boundFactor: config.bound, boundFloor: config.boundFloor, colorTable });
  const persistentTable =
    config.policy === 'least-assigned' || config.baseline === 'least-assigned'
      ? new PersistentColorTable<readonly number[]>(colorTable, couch, {
          controllerId: config.controllerId,
          logger,
        })
      : undefined;

  // The tracker defines membership (the invokers it tracks); both policies follow it, so their
  // tables change when the invoker set does and `choose` finds them ready for the tracker's view.
  const load = new LoadTracker();
  const colored = policyFor(config.policy);
  const uncolored = policyFor(config.baseline);
  load.onMembersChanged((ids) => {
    colored.setMembers(ids);
    uncolored.setMembers(ids);
  });

  const metrics = new ControllerMetrics({
    defaultMetrics: true,
    policies: [...new Set([config.policy, config.baseline])],
  });
  const stages = new StageMetrics(metrics.registry, config.stageTiming === 'on');
  const controller = new Controller({
    controllerId: config.controllerId,
    replicas: config.controllerReplicas,
    invokerGoneMs: config.invokerGoneSeconds * 1_000,
    bus,
    policies: {
      colored: { name: config.policy, policy: colored },
      uncolored: { name: config.baseline, policy: uncolored },
    },
    load,
    putHealthAction: async (doc: ActionDocument) => {
      await stores.actions.put(doc as Parameters<Stores['actions']['put']>[0], { overwrite: true });
    },
    recordPlacement: (placement) => {
      void stores.placements.record(placement);
    },
    writeRecord: (activation) => {
      // Create-only: a record the invoker wrote first wins, and the conflict is expected.
      void stores.activations.put({
        ...activation,
        start: Number(activation.start),
        end: Number(activation.end),
      });
    },
    getActivation: async (namespace, id) =>
      (await stores.activations.get(namespace, id)) as WhiskActivation | undefined,
    onInvokerGone: (invoker, remaining) => persistentTable?.invokerGone(invoker, remaining),
    onInvokerSeen: (invoker) => persistentTable?.invokerReturned(invoker),
    metrics,
    stages,
    logger,
  });

  const ports = storePorts(stores);
  // The create checks and the runner resolve components alike: what can be named can be run.
  // Components in packages and bindings resolve (uncached) through the same access rules as invokes.
  const components = componentResolver(ports.actions, (identity, namespace, pkg, name) =>
    resolvePackagedAction(
      { packages: ports.packages, actions: ports.actions },
      identity,
      namespace,
      pkg,
      name,
    ),
  );
  const sequences = new SequenceRunner({
    core: controller,
    components,
    writeActivation: async (record) => {
      // Create-only, as the controller's other records; the runner waits so a blocking caller can read it.
      const outcome = await stores.activations.put({
        ...record,
        start: Number(record.start),
        end: Number(record.end),
      });
      if (!outcome.ok) throw new Error(`activation record not stored: ${outcome.error}`);
    },
    recordPlacement: (placement) => {
      void stores.placements.record(placement);
    },
    policies: { colored: config.policy, uncolored: config.baseline },
    controllerId: config.controllerId,
    logger,
  });

  const app = createApi({
    core: sequences,
    ...ports,
    components,
    triggerRules: {
      ...triggerRulePorts(stores, { colored: config.policy, uncolored: config.baseline }, logger),
      firesPerMinute: config.limitFiresPerMinute,
      replicas: config.controllerReplicas,
    },
    config: { controllerId: config.controllerId },
    logger,
    metrics: metrics.registry,
    stages,
  });

  return {
    stores,
    bus,
    controller,
    metrics,
    stages,
    app,
    startTable: async () => {
      await persistentTable?.start();
    },
    close: async () => {
      await controller.close();
      await persistentTable?.stop();
      await stores.close();
      await bus.close();
    },
  };
}
