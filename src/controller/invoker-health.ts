/**
 * Invoker-health bookkeeping of the pure core (state.ts), around the InvokerSupervisor: which
 * invokers the policies see and with what capacity, which offline invokers are gone for good, the
 * health test activation, and the health listing the API shows. No I/O, no clock of its own.
 */
import { invokerSlotMB, type LoadTracker } from '../balancer/load-tracker.js';
import {
  activationMessage,
  healthTestActionName,
  invokerHealthTid,
  type Identity,
} from '../protocol/index.js';
import type { SupervisedInvoker } from './invoker-supervisor.js';
import type { InvokerHealthEntry } from './types.js';

export function sameTags(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((tag, i) => tag === y[i]);
}

/** Keeps the policies' invoker set equal to the supervised (not gone) invokers. */
export function syncLoadWithInvokers(
  load: LoadTracker,
  invokers: readonly SupervisedInvoker[],
  replicas: number,
): void {
  const known = new Set<number>();
  for (const invoker of invokers) {
    known.add(invoker.id);
    load.upsert(
      invoker.id,
      invoker.status,
      invokerSlotMB(invoker.userMemoryMB, replicas),
      invoker.instance.tags ?? [],
    );
  }
  for (const view of load.view()) if (!known.has(view.id)) load.remove(view.id);
}

/** The invokers offline for at least `goneMs`: gone for good. */
export function goneInvokers(
  invokers: readonly SupervisedInvoker[],
  now: number,
  goneMs: number,
): SupervisedInvoker[] {
  return invokers.filter(
    (i) => i.status === 'offline' && i.offlineSince !== undefined && now - i.offlineSince >= goneMs,
  );
}

export function invokerHealthEntries(invokers: readonly SupervisedInvoker[]): InvokerHealthEntry[] {
  return invokers.map((invoker) => ({
    id: invoker.id,
    name: invoker.instance.uniqueName ?? `invoker${invoker.id}`,
    status: invoker.status,
    userMemoryMB: invoker.userMemoryMB,
  }));
}

/** A health test activation (it takes no slot), as JSON for topic `invoker<N>`. */
export function healthTestMessage(
  controllerId: string,
  startedAt: number,
  identity: Identity,
  activationId: string,
): string {
  const message = activationMessage({
    transid: [invokerHealthTid, startedAt],
    action: { path: 'whisk.system', name: healthTestActionName(controllerId), version: '0.0.1' },
    revision: null,
    user: identity,
    activationId,
    controllerId,
    blocking: false,
  });
  return JSON.stringify(message);
}
