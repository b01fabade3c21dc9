/**
 * The record of an activation the controller gave up on (DECISIONS R15): its invoker was declared
 * offline while it held the activation, or the forced-completion deadline passed. Written
 * create-only, so a record the invoker writes first stays; Palette's own invoker replaces this one
 * with the real outcome if it finishes later.
 */
import type { WhiskActivation } from '../protocol/index.js';
import type { InFlightEntry } from './in-flight-book.js';

export type LossReason = 'invoker-offline' | 'forced-completion';

export const lostActivationMessages: Record<LossReason, string> = {
  'invoker-offline': 'The invoker running this activation went offline before the activation completed.',
  'forced-completion': 'The activation did not complete before its forced-completion deadline.',
};

export function lostActivationRecord(entry: InFlightEntry, reason: LossReason, now: number): WhiskActivation {
  const end = Math.max(now, entry.startedAt);
  return {
    namespace: entry.namespace,
    name: entry.action.name,
    subject: entry.subject,
    activationId: entry.activationId,
    start: entry.startedAt,
    end,
    duration: end - entry.startedAt,
    ...(entry.cause !== undefined ? { cause: entry.cause } : {}),
    response: {
      status: 'whisk internal error',
      statusCode: 3,
      success: false,
      result: { error: lostActivationMessages[reason] },
    },
    logs: [],
    version: entry.action.version,
    publish: false,
    annotations: [
      { key: 'path', value: `${entry.action.path}/${entry.action.name}` },
      { key: 'palette.lost', value: reason },
    ],
  };
}
