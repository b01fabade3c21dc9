/**
 * The controller's shell: it connects the pure core (state.ts) to the message bus, the store and the
 * clock. API request -> core.place -> ActivationMessage on `invoker<N>` -> acknowledgement on
 * `completed<controllerId>` -> core.acknowledged -> the blocking caller's answer.
 *
 * - Pings arrive on `health` in consumer group `health<controllerId>`, so every controller sees every
 *   ping; the core's tick runs once a second.
 * - A blocking caller registers for its result before the message is published and waits up to its
 *   `waitMs`. A shrunk result (only the id) is read back from the activations store, as OpenWhisk's
 *   PrimitiveActions polls for it.
 *
 * It knows no HTTP; src/api maps its outcomes and errors to OpenWhisk's status codes.
 */
import type { Logger } from 'pino';
import type { LoadTracker } from '../balancer/load-tracker.js';
import type { MessageBus, Subscription } from '../messaging/bus.js';
import { topics } from '../messaging/bus.js';
import { healthTestActionDocument, type ActionDocument, type WhiskActivation } from '../protocol/index.js';
import { systemClock, type Cancel, type Clock } from './clock.js';
import type { InFlightEntry } from './in-flight-book.js';
import type { ControllerMetrics } from './metrics.js';
import type { PlacementPolicies } from './placement.js';
import { PublishDeadlines } from './publish-deadlines.js';
import { ResultWaiters } from './result-waiters.js';
import { Stage, now, type StageMetrics } from './stage-timing.js';
import { ControllerState } from './state.js';
import {
  PublishTimeoutError,
  type ControllerCore,
  type InvocationOutcome,
  type InvocationRequest,
  type InvokerHealthEntry,
  type Placement,
} from './types.js';
import { backoffPause } from '../retry/backoff.js';

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
  /** Writes a system-error record create-only (R15: activations given up on); failures are the store's to log. */
  writeRecord?(activation: WhiskActivation): void;
  /** Longest wait for the broker to take an activation message before answering 503; default 5 s. */
  publishTimeoutMs?: number;
  /** Reads a stored activation, for blocking calls whose result was acknowledged only by id. */
  getActivation?(namespace: string, activationId: string): Promise<WhiskActivation | undefined>;
  /**
   * This replica received an activation's result or completion; its record may not be readable
   * yet (R6: the API's read path waits for it).
   */
  onActivationDone?(namespace: string, activationId: string): void;
  /** An acknowledgement (or a record given up on, R15) carried the activation's record: the dashboard counts it. */
  onActivationResult?(activation: WhiskActivation): void;
  /**
   * A color's first decision still being confirmed by the store resolves to the invoker agreed
   * between replicas; undefined at once when nothing is pending (a known color costs nothing).
   */
  confirmColor?(color: string): Promise<number> | undefined;
  /** An invoker is gone for good (least-assigned moves its colors). */
  onInvokerGone?(invoker: number, remaining: readonly number[]): void;
  /** An invoker number is seen again (first ping, or back after it was gone for good). */
  onInvokerSeen?(invoker: number): void;
  metrics: ControllerMetrics;
  /** palette_stage_seconds (R13); without it, no stage is timed. */
  stages?: StageMetrics;
  logger: Logger;
  /** Default: the system clock. Tests pass a manual one. */
  clock?: Clock;
  /** Default: OpenWhisk's random activation ids. */
  newActivationId?: () => string;
}

export const tickMs = 1_000;
/** DB polls for a shrunk blocking result, as PrimitiveActions' fast polls. */
export const shrunkPollMs = [1_000, 2_000, 2_000, 2_000];

export class Controller implements ControllerCore {
  private readonly state: ControllerState;
  private readonly waiters: ResultWaiters;
  private readonly clock: Clock;
  private readonly deadlines: PublishDeadlines;
  private readonly subscriptions: Subscription[] = [];
  private stopTicking: Cancel | undefined;
  private ready = false;
  private closed = false;
  /** When the acknowledgement being handled arrived (NaN outside that handler): its waiter's `arrivedMs`. */
  private ackArrivedMs = NaN;

  constructor(private readonly deps: ControllerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.waiters = new ResultWaiters(this.clock);
    const publishTimeoutMs = deps.publishTimeoutMs ?? 5_000;
    this.deadlines = new PublishDeadlines(
      this.clock,
      publishTimeoutMs,
      () => new PublishTimeoutError(publishTimeoutMs),
    );
    this.state = new ControllerState({
      controllerId: deps.controllerId,
      replicas: deps.replicas,
      invokerGoneMs: deps.invokerGoneMs,
      policies: deps.policies,
      load: deps.load,
      metrics: deps.metrics,
      logger: deps.logger,
      now: () => this.clock.now(),
      ...(deps.newActivationId ? { newActivationId: deps.newActivationId } : {}),
      effects: {
        sendTestAction: (invoker, message) => this.sendTestAction(invoker, message),
        deliverResult: (activationId, value) => {
          const arrived = this.ackArrivedMs;
          if (arrived === arrived && 'activation' in value) deps.stages?.observeActivation(value.activation);
          if ('activation' in value) deps.onActivationResult?.(value.activation);
          this.waiters.deliver(activationId, value, arrived);
        },
        recordPlacement: (placement) => deps.recordPlacement?.(placement),
        invokerSeen: (invoker) => deps.onInvokerSeen?.(invoker),
        invokerGone: (invoker, remaining) => deps.onInvokerGone?.(invoker, remaining),
        forcedCompletion: (entry) =>
          deps.logger.warn({ activationId: entry.activationId, invoker: entry.invoker }, 'forced completion'),
        writeRecord: (activation) => deps.writeRecord?.(activation),
        activationDone: (activationId, namespace) => deps.onActivationDone?.(namespace, activationId),
      },
    });
  }

  /**
   * Connects topics, writes the health test action, starts consuming. Retries until CouchDB answers.
   * Each start consumes in groups of its own incarnation (R16), reading from the latest offset: a
   * restarted controller never waits for a dead predecessor to leave its group, and what that
   * predecessor left unread was addressed to activations nobody waits for any more.
   */
  async start(): Promise<void> {
    const { bus, controllerId } = this.deps;
    const incarnation = this.clock.now();
    const completedGroup = topics.completedIncarnationGroup(controllerId, incarnation);
    const healthGroup = topics.healthIncarnationGroup(controllerId, incarnation);
    await this.writeHealthAction();
    await bus.ensureTopic(topics.completed(controllerId), 'completed');
    await bus.ensureTopic(topics.health, 'health');
    this.subscriptions.push(
      await bus.subscribe(topics.completed(controllerId), completedGroup, async (v) => this.acknowledged(v), {
        startAt: 'latest',
      }),
      await bus.subscribe(topics.health, healthGroup, async (v) => this.state.pinged(v), {
        startAt: 'latest',
      }),
    );
    this.stopTicking = this.clock.every(tickMs, () => this.state.tick());
    this.ready = true;
    void this.deleteEarlierGroups([completedGroup, healthGroup]);
  }

  /** Earlier incarnations' groups, once empty, are deleted; Kafka expires any it cannot delete yet. */
  private async deleteEarlierGroups(keep: readonly string[]): Promise<void> {
    const { bus, controllerId, logger } = this.deps;
    try {
      const ours = [topics.completed(controllerId), topics.healthGroup(controllerId)];
      const earlier = (group: string) =>
        !keep.includes(group) &&
        ours.some((base) => group.startsWith(`${base}.`) && /^\d+$/.test(group.slice(base.length + 1)));
      const deleted = await bus.deleteIdleGroups(earlier);
      if (deleted.length > 0) logger.info({ deleted }, "deleted earlier incarnations' consumer groups");
    } catch (error) {
      logger.warn({ err: error }, "could not delete earlier incarnations' consumer groups");
    }
  }

  private acknowledged(value: string): void {
    this.ackArrivedMs = this.deps.stages?.enabled ? now() : NaN;
    try {
      this.state.acknowledged(value);
    } finally {
      this.ackArrivedMs = NaN;
    }
  }

  isReady(): boolean {
    return this.ready && !this.closed;
  }

  async invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    const { stages } = request;
    let placed = this.state.place(request);
    const confirming = placed.color === undefined ? undefined : this.deps.confirmColor?.(placed.color);
    if (confirming && (await confirming) !== placed.decision.home) {
      // Another replica placed this new color first: take the slot back and place by the adopted entry.
      this.state.publishFailed(placed);
      placed = this.state.place(request);
    }
    stages?.lap(Stage.decision);
    const { activationId } = placed;
    const pending = request.blocking ? this.waiters.expect(activationId) : undefined;
    try {
      await this.publish(placed.invoker, placed.message);
    } catch (error) {
      pending?.cancel();
      this.state.publishFailed(placed);
      throw error;
    }
    this.state.published(placed, request);
    stages?.lap(Stage.publish);

    if (!pending) return { kind: 'accepted', activationId };
    const result = await pending.wait(request.waitMs);
    if (stages) {
      const arrived = pending.arrivedMs;
      if (arrived === arrived) stages.lapAt(Stage.invokerWait, arrived);
      stages.lap(arrived === arrived ? Stage.resultMatch : Stage.invokerWait);
    }
    if (result === undefined) return { kind: 'accepted', activationId };
    if ('activation' in result) return { kind: 'completed', activationId, activation: result.activation };
    const stored = await this.pollStored(
      request.user.namespace.name,
      activationId,
      placed.startedAt + request.waitMs,
    );
    return stored
      ? { kind: 'completed', activationId, activation: stored }
      : { kind: 'accepted', activationId };
  }

  invokerHealth(): InvokerHealthEntry[] {
    return this.state.invokerHealth();
  }

  /** Activations this controller has in flight (tests and metrics). */
  inFlight(): readonly InFlightEntry[] {
    return this.state.inFlight();
  }

  /** Activations in flight for `namespace` (the API's concurrent-invocations limit reads it). */
  activeActivationsFor(namespace: string): number {
    return this.state.activeActivationsFor(namespace);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopTicking?.();
    for (const subscription of this.subscriptions.splice(0)) await subscription.stop();
    this.waiters.clear();
    this.deadlines.clear();
    this.state.clear();
  }

  /**
   * Publishes within the bound (C: fail fast on a broker outage). On timeout a send still queued is
   * withdrawn; one already on the wire may yet be delivered and run.
   */
  private publish(invoker: number, message: string): Promise<void> {
    const topic = topics.invoker(invoker);
    return this.deadlines.run((signal) => this.deps.bus.send(topic, [message], { signal }));
  }

  private sendTestAction(invoker: number, message: string): void {
    this.deps.bus.send(topics.invoker(invoker), [message]).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, invoker }, 'could not send a health test action');
    });
  }

  private async writeHealthAction(): Promise<void> {
    const doc = healthTestActionDocument(this.deps.controllerId, this.clock.now());
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.putHealthAction(doc);
        return;
      } catch (error) {
        if (this.closed) throw error;
        this.deps.logger.warn({ err: error, attempt }, 'cannot write the health test action yet; retrying');
        await this.clock.sleep(backoffPause(attempt, { firstMs: 200, maxMs: 5_000 }));
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
      if (this.clock.now() + wait > deadline) return undefined;
      await this.clock.sleep(wait);
      const stored = await this.deps.getActivation(namespace, activationId).catch(() => undefined);
      if (stored) return stored;
    }
    return undefined;
  }
}
