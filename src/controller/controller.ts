/**
 * The controller core: API request -> color -> policy -> ActivationMessage on `invoker<N>` ->
 * acknowledgement on `completed<controllerId>` -> answer. It is OpenWhisk's CommonLoadBalancer and
 * ShardingContainerPoolBalancer bookkeeping, with Palette's placement in the middle:
 *
 * - Capacity: each invoker's user memory (from its pings) split between controller replicas; an
 *   activation holds its action's memory from publish until the invoker's completion, or until the
 *   forced-completion timeout.
 * - Health: pings on `health` (consumer group `health<controllerId>`, so every controller sees every
 *   ping) drive the InvokerSupervisor; health test actions are written to the whisks database and
 *   sent without taking a slot.
 * - Results: blocking callers wait for the Result/Combined acknowledgement up to their timeout.
 *
 * It knows no HTTP; src/api maps its outcomes and errors to OpenWhisk's status codes.
 */
import type { Logger } from 'pino';
import type { InvokerStatus } from '../balancer/types.js';
import { resolveColor } from '../balancer/color.js';
import { invokerSlotMB, LoadTracker } from '../balancer/load-tracker.js';
import type { MessageBus, Subscription } from '../messaging/bus.js';
import { topics } from '../messaging/bus.js';
import {
  activationMessage,
  acknowledgedActivationId,
  healthTestActionDocument,
  healthTestActionName,
  healthTestIdentity,
  invokerHealthTid,
  newActivationId,
  parseAcknowledgement,
  parsePing,
  type ActionDocument,
  type Acknowledgement,
  type Identity,
  type WhiskActivation,
} from '../protocol/index.js';
import { ActivationRegistry, type InFlightEntry } from './activation-registry.js';
import { buildContent } from './content.js';
import { InvokerSupervisor, type InvocationResult, type SupervisedInvoker } from './invoker-supervisor.js';
import type { ControllerMetrics } from './metrics.js';
import { chooseInvoker, type PlacementPolicies } from './placement.js';
import {
  NoInvokersError,
  type ControllerCore,
  type InvocationOutcome,
  type InvocationRequest,
  type InvokerHealthEntry,
  type Placement,
} from './types.js';

export interface ControllerDeps {
  controllerId: string;
  /** Controller replicas sharing every invoker's capacity (OpenWhisk's clusterSize). */
  replicas: number;
  /** An invoker offline this long is gone for good: dropped from the policies' invoker set. */
  invokerGoneMs: number;
  bus: MessageBus;
  policies: PlacementPolicies;
  /** The in-flight book the policies read; the controller keeps its invoker set in step with health. */
  load: LoadTracker;
  /** Writes the health test action document into the whisks database (create or update). */
  putHealthAction(doc: ActionDocument): Promise<void>;
  /** Records where an activation went (batched by the store). */
  recordPlacement?(placement: Placement): void;
  /** Reads a stored activation, for blocking calls whose result was acknowledged only by id. */
  getActivation?(namespace: string, activationId: string): Promise<WhiskActivation | undefined>;
  /** An invoker is gone for good (least-assigned moves its colors). */
  onInvokerGone?(invoker: number, remaining: readonly number[]): void;
  /** An invoker number is seen again (first ping, or back after it was gone for good). */
  onInvokerSeen?(invoker: number): void;
  metrics: ControllerMetrics;
  logger: Logger;
  now?: () => number;
}

const tickMs = 1_000;
/** DB polls for a shrunk blocking result, as PrimitiveActions' fast polls. */
const shrunkPollMs = [1_000, 2_000, 2_000, 2_000];

export class Controller implements ControllerCore {
  private readonly registry: ActivationRegistry;
  private readonly supervisor: InvokerSupervisor;
  private readonly subscriptions: Subscription[] = [];
  private readonly healthIdentity: Identity = healthTestIdentity();
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly colorHomes = new Map<string, number>();
  private ticker: NodeJS.Timeout | undefined;
  private ready = false;
  private closed = false;

  constructor(private readonly deps: ControllerDeps) {
    this.now = deps.now ?? Date.now;
    this.startedAt = this.now();
    this.registry = new ActivationRegistry({ onForcedCompletion: (entry) => this.forcedCompletion(entry) });
    this.supervisor = new InvokerSupervisor({
      sendTestAction: (instance) => this.sendTestAction(instance.instance),
      onStatusChange: (invoker, from) => this.statusChanged(invoker, from),
    });
  }

  /** Connects topics, writes the health test action, starts consuming. Retries until CouchDB answers. */
  async start(): Promise<void> {
    const { bus, controllerId } = this.deps;
    await bus.ensureTopic(topics.completed(controllerId), 'completed');
    await bus.ensureTopic(topics.health, 'health');
    await this.writeHealthAction();
    this.subscriptions.push(
      await bus.subscribe(topics.completed(controllerId), topics.completed(controllerId), (v) =>
        this.onAck(v),
      ),
      await bus.subscribe(topics.health, topics.healthGroup(controllerId), (v) => this.onPing(v)),
    );
    this.ticker = setInterval(() => this.tick(), tickMs);
    this.ticker.unref();
    this.ready = true;
  }

  isReady(): boolean {
    return this.ready && !this.closed;
  }

  async invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    const { action, user } = request;
    const color = resolveColor(request.payload, action.annotations);
    const memoryMB = action.limits.memory;
    const began = process.hrtime.bigint();
    const { decision, policy } = chooseInvoker(
      this.deps.policies,
      { color, namespace: user.namespace.name, action: `${action.namespace}/${action.name}`, memoryMB },
      this.deps.load.view(),
    );
    this.deps.metrics.decisionSeconds.observe({ policy }, Number(process.hrtime.bigint() - began) / 1e9);
    if (!decision) throw new NoInvokersError();

    const activationId = newActivationId();
    const { content, initArgs } = buildContent(action, request.payload);
    const message = activationMessage({
      transid: request.transid,
      action: { path: action.namespace, name: action.name, version: action.version },
      revision: action._rev ?? null,
      user,
      activationId,
      controllerId: this.deps.controllerId,
      blocking: request.blocking,
      content,
      initArgs,
    });

    this.deps.load.acquire(decision.invoker, memoryMB);
    const entry: InFlightEntry = {
      activationId,
      invoker: decision.invoker,
      memoryMB,
      namespace: user.namespace.name,
      startedAt: this.now(),
    };
    this.registry.add(entry, action.limits.timeout);
    if (request.blocking) this.registry.expectResult(activationId);
    try {
      await this.deps.bus.send(topics.invoker(decision.invoker), [JSON.stringify(message)]);
    } catch (error) {
      this.registry.forget(activationId);
      if (this.registry.complete(activationId)) this.deps.load.release(decision.invoker, memoryMB);
      throw error;
    }
    this.account(activationId, request, color, policy, decision);

    if (!request.blocking) return { kind: 'accepted', activationId };
    const result = await this.registry.waitForResult(activationId, request.waitMs);
    if (result === undefined) {
      this.registry.forget(activationId);
      return { kind: 'accepted', activationId };
    }
    if ('activation' in result) return { kind: 'completed', activationId, activation: result.activation };
    const stored = await this.pollStored(user.namespace.name, activationId, entry.startedAt + request.waitMs);
    return stored
      ? { kind: 'completed', activationId, activation: stored }
      : { kind: 'accepted', activationId };
  }

  invokerHealth(): InvokerHealthEntry[] {
    return this.supervisor.list().map((invoker) => ({
      id: invoker.id,
      name: invoker.instance.uniqueName ?? `invoker${invoker.id}`,
      status: invoker.status,
      userMemoryMB: invoker.userMemoryMB,
    }));
  }

  /** Activations this controller has in flight (tests and metrics). */
  inFlight(): readonly InFlightEntry[] {
    return this.registry.inFlight();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    for (const subscription of this.subscriptions.splice(0)) await subscription.stop();
    this.registry.clear();
  }

  private account(
    activationId: string,
    request: InvocationRequest,
    color: string | undefined,
    policy: string,
    decision: { invoker: number; home: number; forced: boolean; spilled: boolean },
  ): void {
    const { metrics } = this.deps;
    const invoker = String(decision.invoker);
    metrics.activations.inc({ policy, invoker, colored: color === undefined ? 'false' : 'true' });
    if (decision.forced) metrics.offHome.inc({ policy, reason: 'forced' });
    else if (decision.spilled) metrics.offHome.inc({ policy, reason: 'spilled' });
    metrics.inFlight.inc({ invoker });
    if (color !== undefined && this.colorHomes.size < 100_000 && !this.colorHomes.has(color)) {
      this.colorHomes.set(color, decision.home);
      metrics.colorsPerInvoker.inc({ invoker: String(decision.home) });
    }
    this.deps.recordPlacement?.({
      activationId,
      namespace: request.user.namespace.name,
      action: `${request.action.namespace}/${request.action.name}`,
      ...(color !== undefined ? { color } : {}),
      policy,
      invoker: decision.invoker,
      home: decision.home,
      forced: decision.forced,
      spilled: decision.spilled,
      controller: this.deps.controllerId,
      time: this.now(),
    });
  }

  private async onAck(value: string): Promise<void> {
    let ack: Acknowledgement;
    try {
      ack = parseAcknowledgement(value);
    } catch (error) {
      this.deps.logger.warn(
        { err: error, value: value.slice(0, 500) },
        'dropping an unreadable acknowledgement',
      );
      return;
    }
    this.deps.metrics.acks.inc({ kind: ack.kind });
    const activationId = acknowledgedActivationId(ack);
    if (ack.kind !== 'result') {
      const isSystemError = ack.message.isSystemError === true;
      this.completion(activationId, ack.message.transid[0], ack.message.instance.instance, isSystemError);
    }
    if (ack.kind !== 'completion') {
      const response = ack.message.response;
      this.registry.deliverResult(
        activationId,
        typeof response === 'string' ? { activationId: response } : { activation: response },
      );
    }
  }

  private completion(activationId: string, tid: string, invoker: number, isSystemError: boolean): void {
    const result: InvocationResult = isSystemError ? 'systemError' : 'success';
    const entry = this.registry.complete(activationId);
    if (entry) {
      this.deps.load.release(entry.invoker, entry.memoryMB);
      this.deps.metrics.inFlight.dec({ invoker: String(entry.invoker) });
      this.supervisor.onInvocationFinished(invoker, result, this.now());
    } else if (tid === invokerHealthTid) {
      this.supervisor.onInvocationFinished(invoker, result, this.now());
    } else {
      this.deps.logger.debug(
        { activationId },
        'completion for an activation not in flight (late or foreign)',
      );
    }
  }

  private forcedCompletion(entry: InFlightEntry): void {
    this.deps.logger.warn({ activationId: entry.activationId, invoker: entry.invoker }, 'forced completion');
    this.deps.load.release(entry.invoker, entry.memoryMB);
    this.deps.metrics.inFlight.dec({ invoker: String(entry.invoker) });
    this.deps.metrics.forcedCompletions.inc({ invoker: String(entry.invoker) });
    this.supervisor.onInvocationFinished(entry.invoker, 'timeout', this.now());
  }

  private async onPing(value: string): Promise<void> {
    try {
      const ping = parsePing(value);
      const known = this.supervisor.get(ping.name.instance);
      this.supervisor.onPing(ping, this.now());
      if (!known) this.deps.onInvokerSeen?.(ping.name.instance);
      if (!known || known.userMemoryMB !== this.supervisor.get(ping.name.instance)?.userMemoryMB)
        this.syncInvokers();
    } catch (error) {
      this.deps.logger.warn({ err: error, value: value.slice(0, 500) }, 'dropping an unreadable ping');
    }
  }

  private tick(): void {
    const now = this.now();
    this.supervisor.tick(now);
    const gone = this.supervisor
      .list()
      .filter(
        (i) =>
          i.status === 'offline' &&
          i.offlineSince !== undefined &&
          now - i.offlineSince >= this.deps.invokerGoneMs,
      );
    if (gone.length === 0) return;
    for (const invoker of gone) this.supervisor.forget(invoker.id);
    this.syncInvokers();
    const remaining = this.supervisor.list().map((i) => i.id);
    for (const invoker of gone) {
      this.deps.logger.warn({ invoker: invoker.id }, 'invoker gone for good; its colors move');
      this.deps.onInvokerGone?.(invoker.id, remaining);
    }
  }

  private statusChanged(invoker: SupervisedInvoker, from: InvokerStatus | undefined): void {
    this.deps.logger.info({ invoker: invoker.id, from, to: invoker.status }, 'invoker status');
    this.deps.metrics.setHealth(invoker.id, invoker.status);
    this.syncInvokers();
  }

  /** Keeps the policies' invoker set equal to the supervised (not gone) invokers. */
  private syncInvokers(): void {
    const { load, replicas } = this.deps;
    const known = new Set<number>();
    for (const invoker of this.supervisor.list()) {
      known.add(invoker.id);
      load.upsert(invoker.id, invoker.status, invokerSlotMB(invoker.userMemoryMB, replicas));
    }
    for (const view of load.view()) if (!known.has(view.id)) load.remove(view.id);
  }

  private sendTestAction(invoker: number): void {
    const message = activationMessage({
      transid: [invokerHealthTid, this.startedAt],
      action: { path: 'whisk.system', name: healthTestActionName(this.deps.controllerId), version: '0.0.1' },
      revision: null,
      user: this.healthIdentity,
      activationId: newActivationId(),
      controllerId: this.deps.controllerId,
      blocking: false,
    });
    this.deps.bus.send(topics.invoker(invoker), [JSON.stringify(message)]).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, invoker }, 'could not send a health test action');
    });
  }

  private async writeHealthAction(): Promise<void> {
    const doc = healthTestActionDocument(this.deps.controllerId, this.now());
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.putHealthAction(doc);
        return;
      } catch (error) {
        if (this.closed) throw error;
        this.deps.logger.warn({ err: error, attempt }, 'cannot write the health test action yet; retrying');
        await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** attempt)));
      }
    }
  }

  private async pollStored(
    namespace: string,
    activationId: string,
    deadline: number,
  ): Promise<WhiskActivation | undefined> {
    if (!this.deps.getActivation) return undefined;
    for (const wait of shrunkPollMs) {
      if (this.now() + wait > deadline) return undefined;
      await new Promise((r) => setTimeout(r, wait));
      const stored = await this.deps.getActivation(namespace, activationId).catch(() => undefined);
      if (stored) return stored;
    }
    return undefined;
  }
}
