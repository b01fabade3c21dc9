/**
 * The controller's book of in-flight activations (OpenWhisk's CommonLoadBalancer.activationSlots and
 * activationPromises). An entry holds the invoker slot until the invoker's completion arrives, or
 * until the forced-completion timeout fires: max(action timeout, 60 s) x 2 + 60 s, as OpenWhisk's
 * timeout-factor and timeout-addon defaults give. Blocking callers wait on the result separately:
 * the result (ResultMessage) and the completion (CompletionMessage) may arrive in either order.
 */
import type { WhiskActivation } from '../protocol/index.js';

export interface InFlightEntry {
  readonly activationId: string;
  readonly invoker: number;
  readonly memoryMB: number;
  readonly namespace: string;
  readonly startedAt: number;
}

/** What a blocking caller receives: the activation, or only its id when the ack was shrunk. */
export type ActivationResultValue = { activation: WhiskActivation } | { activationId: string };

export interface RegistryEvents {
  /** The forced-completion timeout fired: release the slot and count a timeout for the invoker. */
  onForcedCompletion(entry: InFlightEntry): void;
}

export const timeLimitStdMs = 60_000;

export function forcedCompletionTimeoutMs(actionTimeoutMs: number, factor = 2, addonMs = 60_000): number {
  return Math.max(actionTimeoutMs, timeLimitStdMs) * factor + addonMs;
}

interface Waiter {
  resolve(value: ActivationResultValue | undefined): void;
}

export class ActivationRegistry {
  private readonly entries = new Map<string, { entry: InFlightEntry; timer: NodeJS.Timeout }>();
  private readonly waiters = new Map<string, Waiter>();
  /** Results that arrived before anyone waited (a fast invoker can beat the caller's registration). */
  private readonly earlyResults = new Map<string, ActivationResultValue>();

  constructor(private readonly events: RegistryEvents) {}

  add(entry: InFlightEntry, actionTimeoutMs: number): void {
    const timer = setTimeout(() => {
      if (this.entries.delete(entry.activationId)) this.events.onForcedCompletion(entry);
    }, forcedCompletionTimeoutMs(actionTimeoutMs));
    timer.unref();
    this.entries.set(entry.activationId, { entry, timer });
  }

  /** Removes and returns the entry on completion; undefined if unknown (late, forced or foreign). */
  complete(activationId: string): InFlightEntry | undefined {
    const found = this.entries.get(activationId);
    if (!found) return undefined;
    clearTimeout(found.timer);
    this.entries.delete(activationId);
    return found.entry;
  }

  /** Waits at most `waitMs` for the activation's result; resolves undefined when the wait ends first. */
  waitForResult(activationId: string, waitMs: number): Promise<ActivationResultValue | undefined> {
    const early = this.earlyResults.get(activationId);
    if (early) {
      this.earlyResults.delete(activationId);
      return Promise.resolve(early);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(activationId);
        resolve(undefined);
      }, waitMs);
      this.waiters.set(activationId, {
        resolve: (value: ActivationResultValue | undefined) => {
          clearTimeout(timer);
          resolve(value);
        },
      });
    });
  }

  /** Expects a result for a blocking activation (so an early result is kept for its waiter). */
  expectResult(activationId: string): void {
    this.expected.add(activationId);
  }

  private readonly expected = new Set<string>();

  deliverResult(activationId: string, value: ActivationResultValue): void {
    const waiter = this.waiters.get(activationId);
    if (waiter) {
      this.waiters.delete(activationId);
      this.expected.delete(activationId);
      waiter.resolve(value);
    } else if (this.expected.delete(activationId)) {
      this.earlyResults.set(activationId, value);
    }
  }

  /** Stops waiting for an activation's result (the caller gave up). */
  forget(activationId: string): void {
    this.expected.delete(activationId);
    this.earlyResults.delete(activationId);
  }

  inFlight(): InFlightEntry[] {
    return [...this.entries.values()].map((e) => e.entry);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const { timer } of this.entries.values()) clearTimeout(timer);
    this.entries.clear();
    for (const waiter of this.waiters.values()) waiter.resolve(undefined);
    this.waiters.clear();
  }
}
