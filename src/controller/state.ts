/**
 * The controller's pure core: every decision and every piece of bookkeeping, driven by events and
 * answering with effects. It does no I/O, owns no timer and reads time only from `now()`; the shell
 * (controller.ts) turns Kafka messages and API calls into events and carries out the effects.
 *
 *   events in                         effects out (CoreEffects)
 *   place(request)  -> a placement    sendTestAction(invoker, message)
 *   published / publishFailed         deliverResult(activationId, value)
 *   acknowledged(value)               recordPlacement(placement), activationDone(id, namespace)
 *   pinged(value)                     invokerSeen(invoker) / invokerGone(invoker, remaining)
 *   tick()                            forcedCompletion(entry)
 *
 * It is OpenWhisk's CommonLoadBalancer and ShardingContainerPoolBalancer bookkeeping, with Palette's
 * placement in the middle:
 * - Capacity: each invoker's user memory (from its pings) split between controller replicas; an
 *   activation holds its action's memory from placement until the invoker's completion, or until the
 *   forced-completion deadline.
 * - Health: pings drive the InvokerSupervisor; health test actions take no slot.
 * - Results: a result acknowledgement is delivered to the blocking caller at once; the slot is freed
 *   by the completion, which may come before or after it.
 */
import type { Logger } from 'pino';
import { resolveColor } from '../balancer/color.js';
import type { LoadTracker } from '../balancer/load-tracker.js';
import type { InvokerStatus } from '../balancer/types.js';
import {
  activationMessage,
  acknowledgedActivationId,
  activeRuntimes,
  isNodejsKind,
  healthTestIdentity,
  invokerHealthTid,
  newActivationId,
  parseAcknowledgement,
  parsePing,
  type Acknowledgement,
  type Identity,
  type PingMessage,
  type WhiskActivation,
} from '../protocol/index.js';
import { buildContent } from './content.js';
import { forcedCompletionTimeoutMs, InFlightBook, type InFlightEntry } from './in-flight-book.js';
import {
  goneInvokers,
  healthTestMessage,
  invokerHealthEntries,
  sameTags,
  syncLoadWithInvokers,
} from './invoker-health.js';
import { lostActivationRecord, type LossReason } from './lost-activation.js';
import { InvokerSupervisor, type InvocationResult, type SupervisedInvoker } from './invoker-supervisor.js';
import type { ControllerMetrics } from './metrics.js';
import { chooseInvoker, type PlacementPolicies } from './placement.js';
import { placementRecord, type PlacedActivation } from './placed-activation.js';
import type { ActivationResultValue } from './result-waiters.js';
import { NoInvokersError, type InvocationRequest, type InvokerHealthEntry, type Placement } from './types.js';

export type { PlacedActivation } from './placed-activation.js';

/** What the action's kind asks of an invoker (pools.ts): OpenWhisk's exec.pull, and a non-Node.js kind. */
function runtimeNeeds(exec: { kind: string; image?: unknown }): { blackbox?: true; nonNodejs?: true } {
  if (isNodejsKind(exec.kind)) return {};
  return activeRuntimes().pulls(exec) ? { blackbox: true, nonNodejs: true } : { nonNodejs: true };
}

export interface CoreEffects {
  /** Publishes a health test activation on `invoker<N>` (no slot is taken; failures only logged). */
  sendTestAction(invoker: number, message: string): void;
  /** A result acknowledgement arrived for an activation (its blocking caller may be waiting). */
  deliverResult(activationId: string, value: ActivationResultValue): void;
  /** Where an activation went, once its message was published. */
  recordPlacement(placement: Placement): void;
  /** An invoker number is seen for the first time, or again after it was gone for good. */
  invokerSeen(invoker: number): void;
  /** An invoker was offline longer than `invokerGoneMs`: it left the policies' invoker set. */
  invokerGone(invoker: number, remaining: readonly number[]): void;
  /** An activation's slot was released by its deadline, without a completion. */
  forcedCompletion(entry: InFlightEntry): void;
  /** A system-error record for an activation given up on (R15), to be written create-only. */
  writeRecord(activation: WhiskActivation): void;
  /**
   * This replica received an activation's result or completion (R6: its record may not be
   * readable yet; the read path waits for it). Health test activations are not reported.
   */
  activationDone(activationId: string, namespace: string): void;
}

export interface StateDeps {
  controllerId: string;
  /** Controller replicas sharing every invoker's capacity (OpenWhisk's clusterSize). */
  replicas: number;
  /** An invoker offline this long is gone for good: dropped from the policies' invoker set. */
  invokerGoneMs: number;
  policies: PlacementPolicies;
  /** The in-flight book the policies read; kept in step with the supervised invokers. */
  load: LoadTracker;
  metrics: ControllerMetrics;
  effects: CoreEffects;
  logger: Logger;
  now: () => number;
  /** Activation ids; default OpenWhisk's random 32-hex ids. */
  newActivationId?: () => string;
}

export class ControllerState {
  private readonly book = new InFlightBook();
  /** In-flight activations whose result arrived before their completion (LoadTracker.finishing). */
  private readonly resulted = new Set<string>();
  private readonly supervisor: InvokerSupervisor;
  private readonly healthIdentity: Identity = healthTestIdentity();
  private readonly startedAt: number;
  private readonly newId: () => string;
  /** Colors counted in `palette_colors_per_invoker` (bounded: it is a metric, not a table). */
  private readonly colorHomes = new Map<string, number>();

  constructor(private readonly deps: StateDeps) {
    this.startedAt = deps.now();
    this.newId = deps.newActivationId ?? newActivationId;
    this.supervisor = new InvokerSupervisor({
      sendTestAction: (instance) => this.sendTestAction(instance.instance),
      onStatusChange: (invoker, from) => this.statusChanged(invoker, from),
    });
  }

  /**
   * Chooses an invoker and takes its slot. Throws ColorError for a bad color and NoInvokersError when
   * no invoker is healthy. The caller publishes `message`, then reports `published` or `publishFailed`.
   */
  place(request: InvocationRequest): PlacedActivation {
    const { action, user } = request;
    const color = request.color ?? resolveColor(request.payload, action.annotations);
    const memoryMB = action.limits.memory;
    const began = process.hrtime.bigint();
    const { decision, policy, path } = chooseInvoker(
      this.deps.policies,
      {
        color,
        namespace: user.namespace.name,
        action: `${action.namespace}/${action.name}`,
        memoryMB,
        ...runtimeNeeds(action.exec),
      },
      this.deps.load.view(),
    );
    this.deps.metrics.decisionSeconds.observe({ policy }, Number(process.hrtime.bigint() - began) / 1e9);
    if (!decision || !path) throw new NoInvokersError();

    const activationId = this.newId();
    const { content, initArgs } = buildContent(action, request.payload);
    const message = activationMessage({
      transid: request.transid,
      action: {
        path: action.namespace,
        name: action.name,
        version: action.version,
        // Set on an action reached through a package binding (the invoker annotates the record).
        ...(typeof action.binding === 'string' ? { binding: action.binding } : {}),
      },
      revision: action._rev ?? null,
      user,
      activationId,
      controllerId: this.deps.controllerId,
      blocking: request.blocking,
      content,
      initArgs,
      ...(request.cause !== undefined ? { cause: request.cause } : {}),
    });
    const startedAt = this.deps.now();
    this.deps.load.acquire(decision.invoker, memoryMB);
    this.book.add({
      activationId,
      action: { path: action.namespace, name: action.name, version: action.version },
      subject: user.subject,
      ...(request.cause !== undefined ? { cause: request.cause } : {}),
      invoker: decision.invoker,
      ...(color !== undefined ? { color } : {}),
      policy,
      home: decision.home,
      reason: path.reason,
      memoryMB,
      namespace: user.namespace.name,
      startedAt,
      deadline: startedAt + forcedCompletionTimeoutMs(action.limits.timeout),
    });
    return {
      activationId,
      message: JSON.stringify(message),
      invoker: decision.invoker,
      color,
      policy,
      decision,
      path,
      startedAt,
    };
  }

  /** The broker took the message: count it and record where it went. */
  published(placed: PlacedActivation, request: InvocationRequest): void {
    const { metrics } = this.deps;
    const { color, policy, decision } = placed;
    const invoker = String(decision.invoker);
    metrics.activations.inc({ policy, invoker, colored: color === undefined ? 'false' : 'true' });
    if (decision.forced) metrics.offHome.inc({ policy, reason: 'forced' });
    else if (decision.spilled) metrics.offHome.inc({ policy, reason: 'spilled' });
    if (decision.reason) metrics.placedBy.inc({ policy, reason: decision.reason });
    metrics.inFlight.inc({ invoker });
    if (color !== undefined && this.colorHomes.size < 100_000 && !this.colorHomes.has(color)) {
      this.colorHomes.set(color, decision.home);
      metrics.colorsPerInvoker.inc({ invoker: String(decision.home) });
    }
    this.deps.effects.recordPlacement(placementRecord(placed, request, this.deps.controllerId));
  }

  /** The message never reached the broker: give the slot back. */
  publishFailed(placed: PlacedActivation): void {
    const entry = this.book.complete(placed.activationId);
    if (entry) this.release(entry);
  }

  /** A message on `completed<controllerId>`: a result, a completion, or both. */
  acknowledged(value: string): void {
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
    const response = ack.kind === 'completion' ? undefined : ack.message.response;
    const namespace =
      this.book.get(activationId)?.namespace ??
      (typeof response === 'object' ? response.namespace : undefined);
    if (ack.kind === 'result') this.resultArrived(activationId);
    if (ack.kind !== 'result') {
      const isSystemError = ack.message.isSystemError === true;
      this.completion(activationId, ack.message.transid[0], ack.message.instance.instance, isSystemError);
    }
    if (response !== undefined) {
      this.deps.effects.deliverResult(
        activationId,
        typeof response === 'string' ? { activationId: response } : { activation: response },
      );
    }
    if (namespace !== undefined) this.deps.effects.activationDone(activationId, namespace);
  }

  /** A message on `health`. */
  pinged(value: string): void {
    let ping: PingMessage;
    try {
      ping = parsePing(value);
    } catch (error) {
      this.deps.logger.warn({ err: error, value: value.slice(0, 500) }, 'dropping an unreadable ping');
      return;
    }
    const id = ping.name.instance;
    const known = this.supervisor.get(id);
    const memoryBefore = known?.userMemoryMB;
    const tagsBefore = known?.instance.tags;
    this.supervisor.onPing(ping, this.deps.now());
    if (!known) this.deps.effects.invokerSeen(id);
    if (!known || memoryBefore !== known.userMemoryMB || !sameTags(tagsBefore, ping.name.tags)) {
      this.syncInvokers();
    }
  }

  /** About once a second: silence rules, periodic health tests, forced completions, gone invokers. */
  tick(): void {
    const now = this.deps.now();
    this.supervisor.tick(now);
    for (const entry of this.book.expire(now)) this.forcedCompletion(entry);
    const gone = goneInvokers(this.supervisor.list(), now, this.deps.invokerGoneMs);
    if (gone.length === 0) return;
    for (const invoker of gone) this.supervisor.forget(invoker.id);
    this.syncInvokers();
    const remaining = this.supervisor.list().map((i) => i.id);
    for (const invoker of gone) {
      this.deps.logger.warn({ invoker: invoker.id }, 'invoker gone for good; its colors move');
      this.deps.effects.invokerGone(invoker.id, remaining);
    }
  }

  invokerHealth(): InvokerHealthEntry[] {
    return invokerHealthEntries(this.supervisor.list());
  }

  inFlight(): readonly InFlightEntry[] {
    return this.book.list();
  }

  /** Activations this controller has in flight for the namespace. */
  activeActivationsFor(namespace: string): number {
    return this.book.activeFor(namespace);
  }

  /** Forgets every in-flight activation (the controller is closing). */
  clear(): void {
    this.book.clear();
    this.resulted.clear();
  }

  /** A result before its completion: the activation only finishes now (LoadTracker.finishing). */
  private resultArrived(activationId: string): void {
    const entry = this.book.get(activationId);
    if (!entry || this.resulted.has(activationId)) return;
    this.resulted.add(activationId);
    this.deps.load.finishing(entry.invoker);
  }

  /** Gives the activation's slot back (its count too, unless its result already took that). */
  private release(entry: InFlightEntry): void {
    this.deps.load.release(entry.invoker, entry.memoryMB, this.resulted.delete(entry.activationId));
  }

  private completion(activationId: string, tid: string, invoker: number, isSystemError: boolean): void {
    const result: InvocationResult = isSystemError ? 'systemError' : 'success';
    const entry = this.book.complete(activationId);
    if (entry) {
      this.release(entry);
      this.deps.metrics.inFlight.dec({ invoker: String(entry.invoker) });
      this.supervisor.onInvocationFinished(invoker, result, this.deps.now());
    } else if (tid === invokerHealthTid) {
      this.supervisor.onInvocationFinished(invoker, result, this.deps.now());
    } else {
      this.deps.logger.debug(
        { activationId },
        'completion for an activation not in flight (late or foreign)',
      );
    }
  }

  private forcedCompletion(entry: InFlightEntry): void {
    this.deps.metrics.forcedCompletions.inc({ invoker: String(entry.invoker) });
    this.supervisor.onInvocationFinished(entry.invoker, 'timeout', this.deps.now());
    this.deps.effects.forcedCompletion(entry);
    this.giveUp(entry, 'forced-completion');
  }

  /** Frees the slot, writes the system-error record and answers a caller still waiting (R15). */
  private giveUp(entry: InFlightEntry, reason: LossReason): void {
    this.release(entry);
    this.deps.metrics.inFlight.dec({ invoker: String(entry.invoker) });
    const record = lostActivationRecord(entry, reason, this.deps.now());
    this.deps.effects.writeRecord(record);
    this.deps.effects.deliverResult(entry.activationId, { activation: record });
    this.deps.effects.activationDone(entry.activationId, entry.namespace);
  }

  private statusChanged(invoker: SupervisedInvoker, from: InvokerStatus | undefined): void {
    this.deps.logger.info({ invoker: invoker.id, from, to: invoker.status }, 'invoker status');
    this.deps.metrics.setHealth(invoker.id, invoker.status);
    if (invoker.status === 'offline') {
      for (const entry of this.book.takeInvoker(invoker.id)) this.giveUp(entry, 'invoker-offline');
    }
    this.syncInvokers();
  }

  /** Keeps the policies' invoker set equal to the supervised (not gone) invokers. */
  private syncInvokers(): void {
    syncLoadWithInvokers(this.deps.load, this.supervisor.list(), this.deps.replicas);
  }

  private sendTestAction(invoker: number): void {
    const { controllerId } = this.deps;
    const message = healthTestMessage(controllerId, this.startedAt, this.healthIdentity, this.newId());
    this.deps.effects.sendTestAction(invoker, message);
  }
}
