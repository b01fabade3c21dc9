/**
 * Invoker health, supervised as OpenWhisk's InvokerPool/InvokerActor do (InvokerSupervision.scala),
 * so that real invokers become usable exactly when OpenWhisk's own controller would use them:
 *
 * - An invoker is known from its first ping on `health`. It starts Unhealthy: a health test action
 *   is sent at once, and again every minute while it is Unhealthy or Unresponsive.
 * - Any result of an invocation on it goes into a ring buffer of its last 10 results. A success
 *   while Unhealthy triggers another test action at once. More than 3 system errors in the buffer
 *   make it Unhealthy, more than 3 timeouts Unresponsive; otherwise a success makes it Healthy, an
 *   error while the buffer holds at most 3 results makes it Unhealthy (system error) or
 *   Unresponsive (timeout), and any other result leaves the state as it is (InvokerActor at the
 *   pinned commit).
 * - 10 s without a ping or a result makes it Offline; a ping with `isEnabled: false` too. An
 *   enabled ping brings an Offline invoker back to Unhealthy (and a test action is sent).
 *
 * The supervisor owns no timers: the controller calls `tick(now)` about once a second, so tests can
 * drive time by hand.
 */
import type { InvokerInstanceId, PingMessage } from '../protocol/index.js';
import { byteSizeToMB } from '../protocol/index.js';
import type { InvokerStatus } from '../balancer/types.js';

export type InvocationResult = 'success' | 'systemError' | 'timeout';

export interface SupervisedInvoker {
  readonly id: number;
  readonly instance: InvokerInstanceId;
  readonly status: InvokerStatus;
  readonly userMemoryMB: number;
  /** Last ping or result, epoch ms. */
  readonly lastSeen: number;
  /** When it went Offline (epoch ms), for "gone for good". */
  readonly offlineSince?: number;
}

export interface SupervisorOptions {
  /** Sends one health test activation to the invoker. */
  sendTestAction(invoker: InvokerInstanceId): void;
  /** Called after any status change. */
  onStatusChange?(invoker: SupervisedInvoker, from: InvokerStatus | undefined): void;
  healthyTimeoutMs?: number;
  testActionIntervalMs?: number;
}

const bufferSize = 10;
const bufferErrorTolerance = 3;

interface State {
  instance: InvokerInstanceId;
  status: InvokerStatus;
  lastSeen: number;
  lastTestAt: number;
  offlineSince?: number;
  results: InvocationResult[];
}

export class InvokerSupervisor {
  private readonly invokers = new Map<number, State>();
  private readonly healthyTimeoutMs: number;
  private readonly testActionIntervalMs: number;

  constructor(private readonly options: SupervisorOptions) {
    this.healthyTimeoutMs = options.healthyTimeoutMs ?? 10_000;
    this.testActionIntervalMs = options.testActionIntervalMs ?? 60_000;
  }

  onPing(ping: PingMessage, now: number): void {
    const id = ping.name.instance;
    const enabled = ping.isEnabled !== false;
    let state = this.invokers.get(id);
    if (!state) {
      state = {
        instance: ping.name,
        status: 'offline',
        lastSeen: now,
        lastTestAt: 0,
        results: [],
        offlineSince: now,
      };
      this.invokers.set(id, state);
      if (enabled) this.transition(state, 'unhealthy', now);
      return;
    }
    state.instance = ping.name;
    state.lastSeen = now;
    if (state.status === 'offline') {
      if (enabled) this.transition(state, 'unhealthy', now);
    } else if (!enabled) {
      this.transition(state, 'offline', now);
    }
  }

  onInvocationFinished(id: number, result: InvocationResult, now: number): void {
    const state = this.invokers.get(id);
    if (!state) return;
    if (state.status !== 'offline') state.lastSeen = now;
    state.results.push(result);
    if (state.results.length > bufferSize) state.results.shift();
    if (result === 'success' && state.status === 'unhealthy') this.sendTest(state, now);
    if ((state.status === 'healthy' && result === 'success') || state.status === 'offline') return;
    const systemErrors = state.results.filter((r) => r === 'systemError').length;
    const timeouts = state.results.filter((r) => r === 'timeout').length;
    const priming = state.results.length <= bufferErrorTolerance;
    if (systemErrors > bufferErrorTolerance) this.transition(state, 'unhealthy', now);
    else if (timeouts > bufferErrorTolerance) this.transition(state, 'unresponsive', now);
    // Only a success makes an invoker healthy; an error while the buffer is still priming sends it
    // to unhealthy (system error) or unresponsive (timeout); otherwise the state holds.
    else if (result === 'success') this.transition(state, 'healthy', now);
    else if (priming && result === 'systemError') this.transition(state, 'unhealthy', now);
    else if (priming && result === 'timeout') this.transition(state, 'unresponsive', now);
  }

  /** Applies the 10 s silence rule and the periodic test actions. */
  tick(now: number): void {
    for (const state of this.invokers.values()) {
      if (state.status === 'offline') continue;
      if (now - state.lastSeen >= this.healthyTimeoutMs) {
        this.transition(state, 'offline', now);
      } else if (
        (state.status === 'unhealthy' || state.status === 'unresponsive') &&
        now - state.lastTestAt >= this.testActionIntervalMs
      ) {
        this.sendTest(state, now);
      }
    }
  }

  /** Forgets an invoker (gone for good); a later ping registers it afresh. */
  forget(id: number): void {
    this.invokers.delete(id);
  }

  get(id: number): SupervisedInvoker | undefined {
    const state = this.invokers.get(id);
    return state && this.view(id, state);
  }

  list(): SupervisedInvoker[] {
    return [...this.invokers.entries()].sort(([a], [b]) => a - b).map(([id, state]) => this.view(id, state));
  }

  private view(id: number, state: State): SupervisedInvoker {
    const view: SupervisedInvoker = {
      id,
      instance: state.instance,
      status: state.status,
      userMemoryMB: byteSizeToMB(state.instance.userMemory),
      lastSeen: state.lastSeen,
      ...(state.offlineSince !== undefined ? { offlineSince: state.offlineSince } : {}),
    };
    return view;
  }

  private transition(state: State, to: InvokerStatus, now: number): void {
    const from = state.status;
    if (from === to) return;
    state.status = to;
    if (to === 'offline') state.offlineSince = now;
    else delete state.offlineSince;
    if (to === 'unhealthy') this.sendTest(state, now);
    this.options.onStatusChange?.(this.view(state.instance.instance, state), from);
  }

  private sendTest(state: State, now: number): void {
    state.lastTestAt = now;
    this.options.sendTestAction(state.instance);
  }
}
