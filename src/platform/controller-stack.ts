/**
 * One controller replica's parts, wired: stores over a CouchDB connection, the message bus, the
 * policies (the least-assigned table persisted in CouchDB), the controller core and the REST API.
 * Nothing here waits for Kafka or CouchDB: the API can answer /ping before they are reachable, and
 * `start` connects them (controller-main.ts retries it; the embedded platform awaits it).
 */
import type { Logger } from 'pino';
import type express from 'express';
import { ColorTable, createPooledPolicy, LoadTracker, PinTable } from '../balancer/index.js';
import type { PolicyName } from '../balancer/types.js';
import { createApi } from '../api/app.js';
import { RecentActivations } from '../api/recent-activations.js';
import { DashboardActivity } from '../api/dashboard/activity.js';
import { placementInfo, storePorts } from './api-adapters.js';
import { colorsPerInvoker } from './dashboard-adapter.js';
import { outage as storeUnreachable } from '../api/cache.js';
import { componentResolver } from '../api/component-resolver.js';
import { resolvePackagedAction } from '../api/package-access.js';
import { SequenceRunner } from '../controller/sequence.js';
import { triggerRulePorts } from './trigger-rule-adapters.js';
import { Controller } from '../controller/controller.js';
import { ControllerMetrics } from '../controller/metrics.js';
import { StageMetrics } from '../controller/stage-timing.js';
import { createMessageBus, type MessageBus } from '../messaging/index.js';
import {
  paletteNodejsTag,
  useRuntimesManifest,
  type ActionDocument,
  type WhiskActivation,
} from '../protocol/index.js';
import type { Placement } from '../controller/types.js';
import {
  ColorConfirmations,
  createStores,
  PersistentColorTable,
  PinStore,
  storedOrPresent,
  type Stores,
} from '../store/index.js';
import type { CouchConnection } from '../store/couch.js';
import { messageBusOptions, type Config } from './config.js';
import {
  resilientActions,
  resilientPackages,
  resilientSubjects,
  resilientTriggerRules,
  storeOutage,
} from './store-outage.js';

export interface ControllerStack {
  readonly stores: Stores;
  readonly bus: MessageBus;
  readonly controller: Controller;
  readonly metrics: ControllerMetrics;
  /** palette_stage_seconds; the bench reads its raw samples through `onRequest`. */
  readonly stages: StageMetrics;
  readonly app: express.Express;
  /** Co-access plans' pins in CouchDB (the affinity route writes through it). */
  readonly pinStore: PinStore;
  /** Loads the least-assigned table (when a policy uses it) and the pins from CouchDB, and follows them. */
  startTable(): Promise<void>;
  close(): Promise<void>;
}

export function createControllerStack(
  config: Config,
  couch: CouchConnection,
  logger: Logger,
): ControllerStack {
  // The kinds the API accepts and the images the invoker names (OpenWhisk's ExecManifest.initialize).
  useRuntimesManifest(config.runtimesManifest);
  const metrics = new ControllerMetrics({
    defaultMetrics: true,
    policies: [...new Set([config.policy, config.baseline])],
  });
  // R25: reads of documents already seen survive a CouchDB outage; writes wait, bounded.
  const outage = storeOutage(config, { logger, registry: metrics.registry });
  const writes = { backlog: outage.backlog, reachability: outage.reachability };
  const stores = createStores(couch, logger, writes);
  const bus = createMessageBus(messageBusOptions(config), {
    logger,
    clientId: `controller${config.controllerId}`,
  });

  const colorTable = new ColorTable();
  // Co-access plans' pins (R8): consulted first by the color policy, followed from CouchDB.
  const pins = new PinTable();
  const pinStore = new PinStore(pins, couch, { controllerId: config.controllerId, logger });
  const replication = config.replication === 'on' ? { max: config.replicationMax } : undefined;
  // Built after the tracker below: each policy chooses within the action's pool (balancer/pools.ts).
  const policyFor = (name: PolicyName, colored: boolean) =>
    createPooledPolicy(
      name,
      {
        boundFactor: config.bound,
        boundFloor: config.boundFloor,
        colorTable,
        ...(colored ? { pins, replication } : {}),
      },
      {
        blackboxFraction: config.blackboxFraction,
        nodejsOnlyTag: paletteNodejsTag,
        tagsOf: (id) => load.tagsOf(id),
      },
    );
  // Replicas confirm each new color's first decision through its create-only document (issue 15).
  const confirmations = config.controllerReplicas > 1 ? new ColorConfirmations({ logger }) : undefined;
  const persistentTable =
    config.policy === 'least-assigned' || config.baseline === 'least-assigned'
      ? new PersistentColorTable<readonly number[]>(colorTable, couch, {
          controllerId: config.controllerId,
          logger,
          ...(confirmations ? { confirmations } : {}),
          ...writes,
        })
      : undefined;

  // The tracker defines membership (the invokers it tracks); both policies follow it, so their
  // tables change when the invoker set does and `choose` finds them ready for the tracker's view.
  const load = new LoadTracker();
  const colored = policyFor(config.policy, true);
  const uncolored = policyFor(config.baseline, false);
  load.onMembersChanged((ids) => {
    colored.setMembers(ids);
    uncolored.setMembers(ids);
  });

  // R6: this replica's read path waits for the records of the results it delivered.
  const recent = new RecentActivations();
  // The dashboard's last minute (issue 18 item 4), fed with the same placements and acks.
  const activity = new DashboardActivity();
  const recordPlacement = (placement: Placement) => {
    void stores.placements.record(placement);
    recent.notePlacement(placement.activationId, placementInfo(placement));
    activity.placed(placement);
  };
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
    recordPlacement,
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
    onActivationDone: (namespace, activationId) => {
      recent.noteDone(namespace, activationId);
      activity.done(activationId);
    },
    onActivationResult: (activation) => activity.result(activation),
    confirmColor: (color) => confirmations?.wait(color),
    onInvokerGone: (invoker, remaining) => persistentTable?.invokerGone(invoker, remaining),
    onInvokerSeen: (invoker) => persistentTable?.invokerReturned(invoker),
    metrics,
    stages,
    logger,
  });

  const plain = storePorts(stores);
  const subjectsPort = resilientSubjects(plain.subjects, outage);
  // A limits document written here applies at the API's next identity read, not 5 s later.
  stores.subjects.onWrite(() => subjectsPort.invalidate());
  const ports = {
    ...plain,
    subjects: subjectsPort,
    actions: resilientActions(plain.actions, outage),
    packages: resilientPackages(plain.packages, outage),
  };
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
      activity.result(record);
      // Create-only, as the controller's other records; the runner waits so a blocking caller can
      // read it, but not through a CouchDB outage (R25): then the record waits in the queue alone.
      const written = stores.activations
        .put({ ...record, start: Number(record.start), end: Number(record.end) })
        .then((outcome) => {
          // A conflict is this very record, written before a lost answer (ids are unique).
          if (!storedOrPresent(outcome))
            throw new Error(`activation record not stored: ${outcome.ok ? '' : outcome.error}`);
        });
      if ((await outage.reachability.untilDown(written)) === storeUnreachable)
        written.catch((err: unknown) =>
          logger.error({ err, activationId: record.activationId }, 'sequence record not stored'),
        );
    },
    recordPlacement,
    policies: { colored: config.policy, uncolored: config.baseline },
    controllerId: config.controllerId,
    logger,
  });

  // A fire's own placement and record reach the dashboard as a sequence's do.
  const triggerRules = triggerRulePorts(
    stores,
    { colored: config.policy, uncolored: config.baseline },
    logger,
    activity,
  );
  const app = createApi({
    core: sequences,
    inFlight: controller,
    limits: {
      defaults: {
        invocationsPerMinute: config.limitInvokesPerMinute,
        concurrentInvocations: config.limitConcurrentInvokes,
        firesPerMinute: config.limitFiresPerMinute,
      },
      replicas: config.controllerReplicas,
    },
    ...ports,
    components,
    recent,
    inFlightList: controller,
    dashboard: { activity, colorsPerInvoker: () => colorsPerInvoker(metrics) },
    triggerRules: {
      ...triggerRules,
      ...resilientTriggerRules(triggerRules, outage),
    },
    affinity: pinStore,
    config: { controllerId: config.controllerId },
    logger,
    metrics: metrics.registry,
    stages,
  });

  const started = { table: false, pins: false };
  return {
    stores,
    bus,
    controller,
    metrics,
    stages,
    app,
    pinStore,
    // Each part once, so controller-main's retry after a failure restarts only what did not start.
    startTable: async () => {
      if (!started.table) await persistentTable?.start();
      started.table = true;
      if (!started.pins) await pinStore.start();
      started.pins = true;
    },
    close: async () => {
      await controller.close();
      await persistentTable?.stop();
      await pinStore.stop();
      await stores.close();
      await bus.close();
    },
  };
}
