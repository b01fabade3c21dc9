/**
 * An invoker that OpenWhisk's controller cannot tell from its own (InvokerReactive + ContainerPool
 * + ContainerProxy of the classic architecture), knowing only the wire:
 *
 * - consumes `invoker<N>` in group `invoker<N>`, at most maxPeek = userMemory / 128 MB at once;
 * - per ActivationMessage: reads the action `<path>/<name>` at the message's revision from the
 *   whisks database, runs it in a warm container when one is idle (else starts one: /init, then
 *   /run), and acknowledges on `completed<rootControllerIndex>`:
 *     blocking, logs > 0      ResultMessage right after the run, CompletionMessage after the logs
 *     blocking, logs = 0      one CombinedCompletionAndResultMessage
 *     non-blocking            one CompletionMessage (after the logs)
 *     action not readable     Combined ack with a fallback activation (shrunk if non-blocking)
 *     message not parseable   nothing (logged)
 * - writes every activation record, with its logs, to the activations database;
 * - pings `health` every second with its InvokerInstanceId (including its user memory).
 *
 * A developer error (the action threw, timed out, crashed, or its init failed) destroys the
 * container, as OpenWhisk does, so the next activation gets a fresh one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino, type Logger } from 'pino';
import type { MessageBus, Subscription } from '../messaging/bus.js';
import { topics } from '../messaging/bus.js';
import {
  acks,
  activationMessageSchema,
  activeRuntimes,
  isNodejsKind,
  paletteNodejsTag,
  invokerInstanceId,
  pingMessage,
  serializePing,
  type ActivationMessage,
  type ActivationResponse,
  type InvokerInstanceId,
  type WhiskActivation,
} from '../protocol/index.js';
import { abortAck, ackPlan, buildAck } from './ack-plan.js';
import { fetchActionAtRevision, unreadableActionResponse } from './action-fetch.js';
import { Acknowledger } from './acknowledger.js';
import { ActivationRecorder } from './activation-recorder.js';
import type { InvokerStageObserver } from './stage-metrics.js';
import { containerEnvironment } from './action-environment.js';
import {
  constructActivation,
  fallbackActivation,
  messages,
  whiskError,
  developerError,
  type ActionFacts,
} from './activation-result.js';
import { Container } from './container.js';
import { ContainerPool, type Lease } from './container-pool.js';
import { developerErrorLogWarning, formatLogLine, formatTimestamp, nowNs } from './logs.js';
import { runActivation } from './run-activation.js';
import type { ActionSource, ActivationSink, ExecutableAction } from './ports.js';

export interface InvokerOptions {
  /** The invoker's number: it consumes `invoker<id>`. */
  readonly id: number;
  /** OpenWhisk's `uniqueName` (e.g. the pod name); optional. */
  readonly name?: string;
  /** Memory for user containers, in MB (OpenWhisk's container-pool user-memory). */
  readonly userMemoryMB: number;
  readonly bus: MessageBus;
  readonly actions: ActionSource;
  readonly activations: ActivationSink;
  /** Idle containers are removed after this long; default 10 minutes (OpenWhisk's idle-container). */
  readonly idleContainerMs?: number;
  /** Default 1000 ms, as OpenWhisk. */
  readonly pingIntervalMs?: number;
  /** The local object store offered to containers as PALETTE_LOCAL_STORE; default a new temporary folder. */
  readonly localStoreDir?: string;
  /** Extra environment for every container (e.g. __OW_API_HOST, PALETTE_COUCHDB_URL). */
  readonly containerEnv?: Record<string, string>;
  /** How long stop() lets running activations finish before killing their containers; default 5 s. */
  readonly stopGraceMs?: number;
  /** Upper bound on waiting for an activation's log sentinels; default 10 s. */
  readonly logCollectionTimeoutMs?: number;
  readonly logger?: Logger;
  /** palette_invoker_stage_seconds (stage-metrics.ts); absent, nothing is timed. */
  readonly stages?: InvokerStageObserver;
}

const MB = 1024 * 1024;

/** The image OpenWhisk's invoker would run the action in: the blackbox's own, else the manifest's. */
function imageOf(exec: ExecutableAction['exec']): string {
  if (typeof exec.image === 'string') return exec.image;
  return activeRuntimes().imageOf(exec.kind) ?? exec.kind;
}

export class Invoker {
  readonly instance: InvokerInstanceId;
  private readonly logger: Logger;
  private readonly pool: ContainerPool<Container>;
  private subscription: Subscription | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly acknowledger: Acknowledger;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly records: ActivationRecorder;
  private containerSeq = 0;
  /** Leases whose container went back to the pool (an error after that must not destroy it). */
  private readonly releasedLeases = new WeakSet<object>();
  private localStore: string | undefined;
  private createdLocalStore = false;
  private stopping = false;
  /** Counters for tests and metrics. */
  readonly stats = { activations: 0, coldStarts: 0, warmStarts: 0, dropped: 0, fallbacks: 0 };

  constructor(private readonly options: InvokerOptions) {
    // The tag tells a Palette controller this invoker runs Node.js kinds only (R10).
    this.instance = invokerInstanceId(options.id, options.userMemoryMB, options.name, [paletteNodejsTag]);
    this.logger = options.logger ?? pino({ name: `invoker${options.id}`, level: 'silent' });
    this.acknowledger = new Acknowledger(options.bus, this.logger);
    this.records = new ActivationRecorder(options.activations, this.logger);
    this.pool = new ContainerPool<Container>({
      userMemoryMB: options.userMemoryMB,
      idleTimeoutMs: options.idleContainerMs ?? 10 * 60_000,
      create: (_key, memoryMB) => this.startContainer(memoryMB),
      onError: (err) => this.logger.warn({ err: String(err) }, 'container removal failed'),
    });
  }

  /** The folder offered to this invoker's containers as PALETTE_LOCAL_STORE. */
  get localStoreDir(): string | undefined {
    return this.localStore;
  }

  get containerPool(): ContainerPool<Container> {
    return this.pool;
  }

  /** OpenWhisk's maxPeek for concurrency 1: how many activations this invoker takes at once. */
  get maxPeek(): number {
    return Math.max(1, Math.floor(this.options.userMemoryMB / 128));
  }

  async start(): Promise<void> {
    if (this.options.localStoreDir) {
      this.localStore = this.options.localStoreDir;
      await mkdir(this.localStore, { recursive: true });
    } else {
      this.localStore = await mkdtemp(join(tmpdir(), `palette-invoker${this.options.id}-store-`));
      this.createdLocalStore = true;
    }
    const topic = topics.invoker(this.options.id);
    await this.options.bus.ensureTopic(topic, 'invoker');
    await this.options.bus.ensureTopic(topics.health, 'health');
    this.subscription = await this.options.bus.subscribe(
      topic,
      topic,
      (value) => this.track(this.handle(value)),
      {
        concurrency: this.maxPeek,
      },
    );
    this.ping();
    this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs ?? 1000);
    this.pingTimer.unref();
    this.logger.info({ topic, userMemoryMB: this.options.userMemoryMB }, 'invoker started');
  }

  /** Stops consuming and pinging, lets running activations finish (up to the grace), then kills containers. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    const unsubscribed = this.subscription?.stop() ?? Promise.resolve();
    const grace = new Promise<void>((resolve) =>
      setTimeout(resolve, this.options.stopGraceMs ?? 5000).unref(),
    );
    await Promise.race([Promise.allSettled([unsubscribed, ...this.inFlight]), grace]);
    await this.pool.close();
    await Promise.allSettled([unsubscribed, ...this.inFlight]);
    await this.records.drain();
    if (this.createdLocalStore && this.localStore)
      await rm(this.localStore, { recursive: true, force: true });
    this.logger.info('invoker stopped');
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  private ping(): void {
    const value = serializePing(pingMessage(this.instance));
    this.options.bus
      .send(topics.health, [value])
      .catch((err: unknown) => this.logger.error({ err: String(err) }, 'failed to ping the controller'));
  }

  private async startContainer(memoryMB: number): Promise<Container> {
    const id = `${this.options.name ?? `invoker${this.options.id}`}-c${++this.containerSeq}-${randomBytes(3).toString('hex')}`;
    const env = containerEnvironment({
      invokerId: this.options.id,
      ...(this.options.name ? { invokerName: this.options.name } : {}),
      containerId: id,
      localStore: this.localStore,
      ...(this.options.containerEnv ? { extra: this.options.containerEnv } : {}),
    });
    return Container.start({ id, memoryMB, env, cwd: tmpdir() });
  }

  /** One message from `invoker<N>`; resolves once it is fully handled (acks sent, logs collected). */
  private async handle(value: string): Promise<void> {
    const receivedMs = performance.now();
    let msg: ActivationMessage;
    try {
      msg = activationMessageSchema.parse(JSON.parse(value));
    } catch (err) {
      this.stats.dropped++;
      this.logger.error(
        { err: String(err) },
        'terminal failure while processing message: not an ActivationMessage, dropped',
      );
      return;
    }
    this.stats.activations++;
    const docId = `${msg.action.path}/${msg.action.name}`;
    let action: ExecutableAction;
    try {
      action = await fetchActionAtRevision(this.options.actions, docId, msg.revision);
    } catch (err) {
      await this.fallback(msg, err);
      return;
    }
    await this.initializeAndRun(msg, action, receivedMs);
  }

  /** InvokerReactive's recovery when the action cannot be read: one Combined ack, and the record. */
  private async fallback(msg: ActivationMessage, err: unknown): Promise<void> {
    this.stats.fallbacks++;
    const response = unreadableActionResponse(err);
    this.logger.warn({ activationId: msg.activationId, err: String(err) }, 'action could not be fetched');
    const activation = fallbackActivation(msg, response);
    await this.sendAck(msg, acks.combined(msg.transid, activation, this.instance, msg.blocking));
    this.records.store(msg, activation);
  }

  /** Acks and record for an activation that never reached a container (ContainerProxy.abortBuffered). */
  private async abort(
    msg: ActivationMessage,
    action: ActionFacts,
    response: ActivationResponse,
  ): Promise<void> {
    const now = Date.now();
    const activation = constructActivation(
      msg,
      action,
      { startMs: now, endMs: now, timeout: false },
      response,
    );
    await this.sendAck(msg, abortAck(msg, activation, this.instance));
    this.records.store(msg, activation);
  }

  private async initializeAndRun(
    msg: ActivationMessage,
    action: ExecutableAction,
    receivedMs: number,
  ): Promise<void> {
    const stages = this.options.stages;
    const facts: ActionFacts = {
      name: action.name,
      namespace: action.namespace,
      version: action.version,
      kind: action.exec.kind,
      limits: action.limits,
    };
    const memoryMB = action.limits.memory;
    if (!isNodejsKind(action.exec.kind)) {
      // What OpenWhisk answers when an invoker cannot get the kind's image (BlackboxStartupError).
      this.logger.warn({ kind: action.exec.kind }, 'this invoker runs Node.js kinds only');
      await this.abort(msg, facts, developerError(messages.imagePullError(imageOf(action.exec))));
      return;
    }
    if (!this.pool.fits(memoryMB)) {
      this.logger.warn({ kind: action.exec.kind, memoryMB }, 'cannot provide a container for this action');
      await this.abort(msg, facts, whiskError(messages.resourceProvisionError));
      return;
    }

    const key = `${msg.user.namespace.name}|${action._id}@${action._rev ?? action.updated}`;
    let lease;
    const acquiring = performance.now();
    stages?.since('consume', receivedMs);
    try {
      lease = await this.pool.acquire(key, memoryMB);
      stages?.since('container_acquire', acquiring);
    } catch (err) {
      this.logger.warn(
        { err: String(err), activationId: msg.activationId },
        'no container for the activation',
      );
      await this.abort(
        msg,
        facts,
        whiskError(this.stopping ? messages.abnormalRun : messages.resourceProvisionError),
      );
      return;
    }
    if (lease.warm) this.stats.warmStarts++;
    else this.stats.coldStarts++;
    try {
      await this.runInContainer(msg, action, facts, lease);
    } catch (err) {
      // Not expected (container calls never reject): still free the memory and answer, as OpenWhisk does.
      this.logger.error(
        { err: String(err), activationId: msg.activationId },
        'unexpected error while running the activation',
      );
      if (!this.releasedLeases.has(lease)) await this.pool.release(lease.container, { destroy: true });
      await this.abort(msg, facts, whiskError(messages.abnormalRun));
    }
  }

  private async runInContainer(
    msg: ActivationMessage,
    action: ExecutableAction,
    facts: ActionFacts,
    lease: Lease<Container>,
  ): Promise<void> {
    const container = lease.container;
    const logLimitBytes = (action.limits.logs ?? 10) * MB;
    const { activation: result, broken } = await runActivation(container, lease.warm, msg, action, facts);
    const developerError = result.response.statusCode === 2;
    const destroy = result.response.statusCode >= 2;

    const plan = ackPlan(msg.blocking, logLimitBytes > 0);
    const acking = performance.now();
    const resultSent = plan.atResult
      ? this.sendAck(msg, buildAck(plan.atResult, msg, result, this.instance)).then(() =>
          this.options.stages?.since('ack', acking),
        )
      : Promise.resolve();

    // A container that timed out or died is killed first, so its output ends and can be read whole.
    if (broken) await container.destroy();
    let logs = await container.collectLogs({
      limitBytes: logLimitBytes,
      waitForSentinel: !developerError,
      timeoutMs: developerError ? 1000 : (this.options.logCollectionTimeoutMs ?? 10_000),
    });
    if (developerError && logLimitBytes > 0)
      logs = [...logs, formatLogLine(formatTimestamp(nowNs()), 'stderr', developerErrorLogWarning)];
    const withLogs: WhiskActivation = { ...result, logs };
    // The container is free once its output is read: a caller that got the result may already have
    // sent its next call, which should find this warm container rather than start a cold one.
    this.releasedLeases.add(lease);
    const released = this.pool.release(container, { destroy });

    await resultSent;
    if (plan.afterLogs) await this.sendAck(msg, buildAck(plan.afterLogs, msg, withLogs, this.instance));
    this.records.store(msg, withLogs);
    await released;
  }

  private sendAck(msg: ActivationMessage, ack: Parameters<Acknowledger['send']>[1]): Promise<void> {
    return this.acknowledger.send(msg, ack);
  }
}
