/**
 * The controller's per-invoker bookkeeping that policies read: status, capacity and this
 * controller's in-flight activations (OpenWhisk's invokerSlots semaphores, without concurrency).
 *
 * The tracker defines membership: the invokers in its view. Policies are told when that set
 * changes (`onMembersChanged` -> Policy.setMembers) and rebuild their tables then, never per call.
 * `view()` lists exactly the members, ascending by id, as Policy.choose requires; it returns the
 * same array, updated in place, while only statuses and loads change, so reading it allocates nothing.
 */
import { checkInvokerId } from './common.js';
import type { InvokerStatus, InvokerView } from './types.js';

/** OpenWhisk's MemoryLimit.MIN_MEMORY: no controller's share of an invoker goes below one action. */
export const MIN_SLOT_MB = 128;

/** OpenWhisk's getInvokerSlot: an invoker's user memory split evenly between controller replicas. */
export function invokerSlotMB(userMemoryMB: number, controllerReplicas = 1): number {
  return Math.max(MIN_SLOT_MB, Math.floor(userMemoryMB / Math.max(1, controllerReplicas)));
}

interface Entry {
  id: number;
  status: InvokerStatus;
  capacityMB: number;
  inFlightMB: number;
  inFlight: number;
}

/** Told the member ids, ascending, whenever the invoker set changes. */
export type MembersListener = (ids: readonly number[]) => void;

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class LoadTracker {
  private readonly entries = new Map<number, Entry>();
  /** Each invoker's tags from its ping (pools.ts reads them when the members are set). */
  private readonly tags = new Map<number, readonly string[]>();
  private current: Entry[] = [];
  private readonly listeners: MembersListener[] = [];

  /**
   * Calls `listener` at once with the current member ids, then after every change of the invoker
   * set (an invoker added or removed; never for a status or load change). Subscribing late is
   * therefore safe. Returns a function that unsubscribes.
   */
  onMembersChanged(listener: MembersListener): () => void {
    this.listeners.push(listener);
    listener(this.memberIds());
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Adds an invoker or updates its status, capacity and tags, keeping its in-flight load. New tags
   * count as a change of the invoker set (the pools a policy chooses in depend on them).
   */
  upsert(id: number, status: InvokerStatus, capacityMB: number, tags?: readonly string[]): void {
    checkInvokerId(id);
    const tagsChanged = tags !== undefined && !sameList(this.tags.get(id) ?? [], tags);
    if (tagsChanged) this.tags.set(id, [...tags]);
    const entry = this.entries.get(id);
    if (entry) {
      entry.status = status;
      entry.capacityMB = capacityMB;
      if (tagsChanged) this.rebuild();
      return;
    }
    this.entries.set(id, { id, status, capacityMB, inFlightMB: 0, inFlight: 0 });
    this.rebuild();
  }

  /** The invoker's tags (empty when it has none or is not tracked). */
  tagsOf(id: number): readonly string[] {
    return this.tags.get(id) ?? [];
  }

  setStatus(id: number, status: InvokerStatus): void {
    const entry = this.entries.get(id);
    if (entry) entry.status = status;
  }

  /** Forgets an invoker (gone for good); late releases for it are ignored. */
  remove(id: number): boolean {
    const removed = this.entries.delete(id);
    this.tags.delete(id);
    if (removed) this.rebuild();
    return removed;
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** Accounts one activation of `memoryMB` on `id`. Capacity may be exceeded (forced placements). */
  acquire(id: number, memoryMB: number): void {
    const entry = this.entries.get(id);
    if (!entry) throw new RangeError(`invoker ${id} is not tracked`);
    entry.inFlightMB += memoryMB;
    entry.inFlight += 1;
  }

  /**
   * The activation's result has arrived: it is only finishing (the invoker collects its logs before
   * the completion). It stops counting in `inFlight`, which the balance rules read, so a sequence's
   * next step, placed on that result, does not find its own previous step loading the home; its
   * memory stays held until `release`, as OpenWhisk holds the slot until the completion.
   */
  finishing(id: number): void {
    const entry = this.entries.get(id);
    if (entry) entry.inFlight = Math.max(0, entry.inFlight - 1);
  }

  /** Gives back what `acquire` took (`finished`: `finishing` already took the count); never below zero. */
  release(id: number, memoryMB: number, finished = false): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.inFlightMB = Math.max(0, entry.inFlightMB - memoryMB);
    if (!finished) entry.inFlight = Math.max(0, entry.inFlight - 1);
  }

  /** The live view: exactly the members, ascending by id; the same array until the invoker set changes. */
  view(): readonly InvokerView[] {
    return this.current;
  }

  /** A frozen copy of the current state. */
  snapshot(): InvokerView[] {
    return this.current.map((e) => Object.freeze({ ...e }));
  }

  private memberIds(): number[] {
    return this.current.map((e) => e.id);
  }

  private rebuild(): void {
    this.current = [...this.entries.values()].sort((a, b) => a.id - b.id);
    // Each listener gets its own copy: a policy may keep the array it is given.
    for (const listener of this.listeners) listener(this.memberIds());
  }
}
