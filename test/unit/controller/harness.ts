/**
 * A controller over the in-process bus with fake ports, a manual clock and scripted invokers: the
 * controller core exercised at its own level, with no HTTP, Kafka or CouchDB.
 */
import pino from 'pino';
import { createPooledPolicy, LoadTracker, type PinLookup } from '../../../src/balancer/index.js';
import type { PolicyName } from '../../../src/balancer/types.js';
import { Controller } from '../../../src/controller/controller.js';
import { ControllerMetrics } from '../../../src/controller/metrics.js';
import type { InvocationRequest, Placement } from '../../../src/controller/types.js';
import { LeanBus } from '../../../src/messaging/lean-bus.js';
import {
  defaultActionLimits,
  defaultNodeKind,
  paletteNodejsTag,
  type ActionDocument,
  type Identity,
  type WhiskActivation,
} from '../../../src/protocol/index.js';
import { FakeInvoker, type FakeInvokerOptions } from '../../support/fake-invoker.js';
import { ManualClock, settle } from '../../support/manual-clock.js';

export interface HarnessOptions {
  invokers: FakeInvokerOptions[];
  replicas?: number;
  policy?: PolicyName;
  baseline?: PolicyName;
  invokerGoneMs?: number;
  /** PALETTE_BLACKBOX_FRACTION; default 0. */
  blackboxFraction?: number;
  /** Co-access pins the color policy consults first. */
  pins?: PinLookup;
}

export const guest: Identity = {
  subject: 'guest',
  namespace: { name: 'guest', uuid: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502' },
  authkey: {
    api_key:
      '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP',
  },
  rights: ['READ', 'PUT', 'DELETE', 'ACTIVATE'],
  limits: {},
};

export function action(name: string, memoryMB = 256, timeoutMs = 60_000): ActionDocument {
  return {
    _id: `guest/${name}`,
    _rev: '1-abc',
    entityType: 'action',
    updated: 1,
    namespace: 'guest',
    name,
    version: '0.0.1',
    publish: false,
    exec: { kind: defaultNodeKind, code: 'function main(p) { return p; }', binary: false },
    parameters: [],
    limits: { ...defaultActionLimits, memory: memoryMB, timeout: timeoutMs },
    annotations: [],
  };
}

export async function startHarness(options: HarnessOptions) {
  const clock = new ManualClock();
  const bus = new LeanBus();
  const metrics = new ControllerMetrics();
  const load = new LoadTracker();
  const placements: Placement[] = [];
  const stored = new Map<string, WhiskActivation>();
  const gone: { invoker: number; remaining: readonly number[] }[] = [];
  const seen: number[] = [];
  const records: WhiskActivation[] = [];
  /** What onActivationDone reported (R6's read path is fed by it). */
  const done: { namespace: string; activationId: string }[] = [];
  let ids = 0;
  const policy = options.policy ?? 'consistent-hash';
  const baseline = options.baseline ?? 'openwhisk-sharding';
  // As in src/platform/controller-stack.ts: each policy chooses within the action's pool, and the
  // tracker tells both policies their members.
  const pools = {
    blackboxFraction: options.blackboxFraction ?? 0,
    nodejsOnlyTag: paletteNodejsTag,
    tagsOf: (id: number) => load.tagsOf(id),
  };
  const colored = createPooledPolicy(policy, { boundFactor: 0, pins: options.pins }, pools);
  const uncolored = createPooledPolicy(baseline, {}, pools);
  load.onMembersChanged((members) => {
    colored.setMembers(members);
    uncolored.setMembers(members);
  });
  const controller = new Controller({
    controllerId: 'c0',
    replicas: options.replicas ?? 1,
    invokerGoneMs: options.invokerGoneMs ?? 300_000,
    bus,
    policies: {
      colored: { name: policy, policy: colored },
      uncolored: { name: baseline, policy: uncolored },
    },
    load,
    putHealthAction: async () => {},
    recordPlacement: (p) => placements.push(p),
    getActivation: async (_ns, id) => stored.get(id),
    writeRecord: (activation) => records.push(activation),
    publishTimeoutMs: 5_000,
    onInvokerGone: (invoker, remaining) => gone.push({ invoker, remaining }),
    onInvokerSeen: (invoker) => seen.push(invoker),
    onActivationDone: (namespace, activationId) => done.push({ namespace, activationId }),
    metrics,
    logger: pino({ level: 'silent' }),
    clock,
    newActivationId: () => (++ids).toString(16).padStart(32, '0'),
  });
  await controller.start();
  const invokers = await Promise.all(options.invokers.map((o) => new FakeInvoker(bus, o).start()));

  /** Every invoker pings (as real ones do every second); time moves one second. */
  const heartbeat = async () => {
    for (const invoker of invokers) await invoker.ping();
    await clock.advance(1_000);
  };

  const request = (
    doc: ActionDocument,
    payload: unknown = {},
    blocking = true,
    waitMs = 60_000,
  ): InvocationRequest => ({
    transid: ['tid', clock.now()],
    user: guest,
    action: doc,
    payload,
    blocking,
    waitMs,
  });

  /** Starts an invoke, lets the bus and the clock run until it settles (at most `maxMs` of clock). */
  const invoke = async (req: InvocationRequest, maxMs = 0) => {
    let outcome: Awaited<ReturnType<Controller['invoke']>> | undefined;
    let failure: unknown;
    const running = controller.invoke(req).then(
      (o) => (outcome = o),
      (e: unknown) => (failure = e ?? new Error('rejected')),
    );
    await settle();
    for (let waited = 0; outcome === undefined && failure === undefined && waited < maxMs; waited += 500)
      await clock.advance(500);
    await Promise.race([running, settle()]);
    if (failure !== undefined) throw failure;
    if (outcome === undefined) throw new Error(`invoke did not settle within ${maxMs} ms of clock`);
    return outcome;
  };

  const status = (id: number) => controller.invokerHealth().find((i) => i.id === id)?.status;

  return {
    clock,
    bus,
    metrics,
    load,
    controller,
    invokers,
    placements,
    records,
    done,
    stored,
    gone,
    seen,
    heartbeat,
    request,
    invoke,
    status,
    async close() {
      for (const invoker of invokers) await invoker.stop();
      await controller.close();
      await bus.close();
    },
  };
}
