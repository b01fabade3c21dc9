/**
 * Blocking callers waiting for their activation's result (OpenWhisk's activationPromises). A
 * caller registers before its message is published, so a result can never arrive before anyone
 * waits for it; the wait itself starts after the publish, for at most the caller's `waitMs`.
 */
import type { WhiskActivation } from '../protocol/index.js';
import type { Clock } from './clock.js';

/** What a blocking caller receives: the activation, or only its id when the ack was shrunk. */
export type ActivationResultValue = { activation: WhiskActivation } | { activationId: string };

export interface PendingResult {
  /** Resolves with the result, or undefined when `waitMs` passes first (the caller then gets a 202). */
  wait(waitMs: number): Promise<ActivationResultValue | undefined>;
  /** Stops waiting (the publish failed). */
  cancel(): void;
  /** When the result's acknowledgement arrived (performance.now() ms; NaN before, or when unknown). */
  readonly arrivedMs: number;
}

interface Slot {
  value?: ActivationResultValue;
  resolve?: (value: ActivationResultValue | undefined) => void;
  arrivedMs: number;
}

export class ResultWaiters {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly clock: Clock) {}

  expect(activationId: string): PendingResult {
    const slot: Slot = { arrivedMs: NaN };
    this.slots.set(activationId, slot);
    return {
      wait: (waitMs) => {
        if (slot.value !== undefined) {
          this.slots.delete(activationId);
          return Promise.resolve(slot.value);
        }
        return new Promise((resolve) => {
          const cancel = this.clock.after(waitMs, () => settle(undefined));
          const settle = (value: ActivationResultValue | undefined) => {
            cancel();
            this.slots.delete(activationId);
            resolve(value);
          };
          slot.resolve = settle;
        });
      },
      cancel: () => {
        this.slots.delete(activationId);
      },
      get arrivedMs() {
        return slot.arrivedMs;
      },
    };
  }

  /** Hands a result to its waiting caller; a result nobody waits for is dropped. */
  deliver(activationId: string, value: ActivationResultValue, arrivedMs = NaN): void {
    const slot = this.slots.get(activationId);
    if (!slot) return;
    slot.arrivedMs = arrivedMs;
    if (slot.resolve) slot.resolve(value);
    else slot.value = value;
  }

  get size(): number {
    return this.slots.size;
  }

  /** Answers every waiting caller with "no result" (the controller is closing). */
  clear(): void {
    for (const slot of this.slots.values()) slot.resolve?.(undefined);
    this.slots.clear();
  }
}
