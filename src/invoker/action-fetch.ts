/**
 * Reading the action an ActivationMessage names, as InvokerReactive does: at the message's revision,
 * else the latest one; and the response its recovery gives when the action cannot be read at all.
 */
import type { ActivationResponse } from '../protocol/index.js';
import { applicationError, messages, whiskError } from './activation-result.js';
import {
  ActionNotFoundError,
  ActionUnreadableError,
  RevisionMismatchError,
  type ActionSource,
  type ExecutableAction,
} from './ports.js';

export async function fetchActionAtRevision(
  actions: ActionSource,
  docId: string,
  rev: string | null,
): Promise<ExecutableAction> {
  try {
    return await actions.fetchAction(docId, rev);
  } catch (err) {
    // The action may have been updated since the controller read it: run the latest revision.
    if (err instanceof RevisionMismatchError && rev !== null) return actions.fetchAction(docId, null);
    throw err;
  }
}

/** The response of the fallback activation for an action that could not be fetched. */
export function unreadableActionResponse(err: unknown): ActivationResponse {
  return err instanceof ActionNotFoundError
    ? applicationError(messages.actionRemovedWhileInvoking)
    : err instanceof ActionUnreadableError
      ? whiskError(messages.actionMismatchWhileInvoking)
      : whiskError(messages.actionFetchErrorWhileInvoking);
}
