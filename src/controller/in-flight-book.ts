/**
 * The controller's book of in-flight activations (OpenWhisk's CommonLoadBalancer.activationSlots).
 * An entry holds its invoker slot until the invoker's completion arrives, or until its
 * forced-completion deadline passes: max(action timeout, 60 s) x 2 + 60 s, as OpenWhisk's
 * timeout-factor and timeout-addon defaults give.
 *
 * Pure bookkeeping: no timers. The core asks for the expired entries on each tick, so a test moves
 * a manual clock past the deadline instead of waiting two minutes.
 */

export interface InFlightEntry {
  readonly activationId: string;
  /** The action as its ActivationMessage names it (for the record of an activation that is lost). */
  readonly action: { readonly path: string; readonly name: string; readonly version: string };
  /** The invoking subject, as the record names it. */
  readonly subject: string;
  readonly cause?: string;
  readonly invoker: number;
  readonly memoryMB: number;
  readonly namespace: string;
  readonly startedAt: number;
  /** Epoch ms after which the slot is released without a completion. */
  readonly deadline: number;
}

export const timeLimitStdMs = 60_000;

export function forcedCompletionTimeoutMs(actionTimeoutMs: number, factor = 2, addonMs = 60_000): number {
  return Math.max(actionTimeoutMs, timeLimitStdMs) * factor + addonMs;
}

export class InFlightBook {
  private readonly entries = new Map<string, InFlightEntry>();
  /** Entries per namespace (activationsPerNamespace), kept in step so the count is O(1). */
  private readonly perNamespace = new Map<string, number>();

  add(entry: InFlightEntry): void {
    const previous = this.entries.get(entry.activationId);
    if (previous) this.forget(previous);
    this.entries.set(entry.activationId, entry);
    this.perNamespace.set(entry.namespace, (this.perNamespace.get(entry.namespace) ?? 0) + 1);
  }

  /** Removes and returns the entry; undefined if unknown (late, forced or another controller's). */
  complete(activationId: string): InFlightEntry | undefined {
    const entry = this.entries.get(activationId);
    if (entry) this.forget(entry);
    return entry;
  }

  /** Removes and returns every entry whose deadline is at or before `now`. */
  expire(now: number): InFlightEntry[] {
    const expired: InFlightEntry[] = [];
    for (const entry of this.entries.values()) if (entry.deadline <= now) expired.push(entry);
    for (const entry of expired) this.forget(entry);
    return expired;
  }

  /** Removes and returns every entry on `invoker` (it went offline). */
  takeInvoker(invoker: number): InFlightEntry[] {
    const taken: InFlightEntry[] = [];
    for (const entry of this.entries.values()) if (entry.invoker === invoker) taken.push(entry);
    for (const entry of taken) this.forget(entry);
    return taken;
  }

  /** Activations in flight for the namespace (OpenWhisk's activeActivationsFor). */
  activeFor(namespace: string): number {
    return this.perNamespace.get(namespace) ?? 0;
  }

  list(): InFlightEntry[] {
    return [...this.entries.values()];
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.perNamespace.clear();
  }

  private forget(entry: InFlightEntry): void {
    this.entries.delete(entry.activationId);
    const left = (this.perNamespace.get(entry.namespace) ?? 1) - 1;
    if (left > 0) this.perNamespace.set(entry.namespace, left);
    else this.perNamespace.delete(entry.namespace);
  }
}
