/**
 * The I/O shell of a trigger fire: the decisions are trigger-fire.ts's. A fire answers as soon as it
 * has an activation id (OpenWhisk's 202); the rules' actions are then started non-blocking through
 * the controller core, each with `cause` = the trigger's activation id, and the trigger's record and
 * placement doc are written once every rule has an outcome.
 */
import type { Logger } from 'pino';
import { ColorError } from '../balancer/color.js';
import { NoInvokersError, type ControllerCore } from '../controller/types.js';
import { newActivationId, statusCodes, type Identity, type TransactionId } from '../protocol/index.js';
import type { ActionResolver } from './action-resolver.js';
import { ApiError, messages } from './errors.js';
import { checkFinalParameters, maxBlockingWaitMs } from './invoke.js';
import type { FireRecordPort } from './ports.js';
import {
  fireArguments,
  fireColor,
  hasActiveRule,
  inactiveOutcome,
  owHeaders,
  ruleLogLine,
  rulesOf,
  triggerActivationRecord,
  triggerPlacement,
  type FirePayload,
  type RuleOutcome,
  type TriggerRuleLink,
} from './trigger-fire.js';
import type { TriggerDocument } from './trigger-rule-doc.js';

export interface TriggerFiringDeps {
  core: ControllerCore;
  resolver: ActionResolver;
  records: FireRecordPort;
  /** Policy names for the trigger's placement doc (PALETTE_POLICY / PALETTE_BASELINE). */
  policies: { colored: string; uncolored: string };
  controllerId: string;
  logger: Logger;
  /**
   * The owner's invocation limits (throttles.ts), checked for each rule's action as OpenWhisk's
   * fire does by invoking through its own REST API: a refusal is that rule's failure in the logs.
   */
  admit(user: Identity): void;
  now?: () => number;
  newActivationId?: () => string;
}

export interface FireRequest {
  transid: TransactionId;
  user: Identity;
  trigger: TriggerDocument;
  payload: FirePayload | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface Fired {
  activationId: string;
  /** Resolves once every rule has an outcome and the record is queued for writing. */
  done: Promise<void>;
}

/** How a refused or failed start of a rule's action shows in the trigger's logs. */
function failureOf(err: unknown): RuleOutcome | undefined {
  if (err instanceof ApiError) {
    const statusCode = err.status >= 500 ? statusCodes.whiskError : statusCodes.applicationError;
    return { kind: 'failed', statusCode, error: err.message };
  }
  if (err instanceof ColorError)
    return { kind: 'failed', statusCode: statusCodes.applicationError, error: err.message };
  if (err instanceof NoInvokersError)
    return { kind: 'failed', statusCode: statusCodes.whiskError, error: messages.noInvokers };
  return undefined;
}

export function triggerFirer(deps: TriggerFiringDeps) {
  const now = deps.now ?? Date.now;
  const newId = deps.newActivationId ?? newActivationId;

  async function startRule(
    request: FireRequest,
    link: TriggerRuleLink,
    args: FirePayload,
    color: string | undefined,
    cause: string,
  ): Promise<RuleOutcome> {
    if (!link.active) return inactiveOutcome(link);
    try {
      deps.admit(request.user);
      const action = await deps.resolver.resolve(request.user, link.action);
      if (!action)
        return { kind: 'failed', statusCode: statusCodes.applicationError, error: messages.notFound };
      checkFinalParameters(action, args);
      const outcome = await deps.core.invoke({
        transid: request.transid,
        user: request.user,
        action,
        payload: args,
        blocking: false,
        waitMs: maxBlockingWaitMs,
        cause,
        ...(color !== undefined ? { color } : {}),
      });
      return { kind: 'started', activationId: outcome.activationId };
    } catch (err) {
      const failure = failureOf(err);
      if (failure) return failure;
      deps.logger.error({ err, rule: link.rule }, 'trigger-fired action failed to start');
      return { kind: 'failed', statusCode: statusCodes.whiskError, error: messages.internal };
    }
  }

  return {
    /**
     * Fires `request.trigger`: undefined when it has no active rule (OpenWhisk's 204, no record).
     * Throws ColorError for a bad color in the payload or on the trigger, before anything starts.
     */
    fire(request: FireRequest): Fired | undefined {
      const { trigger, payload, user } = request;
      const color = fireColor(payload, trigger);
      if (!hasActiveRule(trigger)) return undefined;
      const activationId = newId();
      const start = now();
      const args = fireArguments(trigger.parameters, owHeaders(request.headers), payload);
      const links = rulesOf(trigger);

      const done = (async () => {
        const outcomes = await Promise.all(
          links.map((link) => startRule(request, link, args, color, activationId)),
        );
        const logs = links.map((link, i) => ruleLogLine(link, outcomes[i]!));
        await deps.records.recordPlacement(
          triggerPlacement({
            activationId,
            namespace: user.namespace.name,
            trigger,
            color,
            policies: deps.policies,
            controller: deps.controllerId,
            time: start,
          }),
        );
        await deps.records.recordActivation(
          triggerActivationRecord({ user, trigger, activationId, start, payload, logs }),
        );
      })().catch((err: unknown) => deps.logger.error({ err, activationId }, 'trigger record not written'));

      return { activationId, done };
    },
  };
}
