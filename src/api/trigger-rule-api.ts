/**
 * The trigger and rule routers with what they need, built from the API's dependencies (app.ts mounts
 * the two routers). Without `TriggerRuleDeps` the API has no trigger or rule routes (404).
 */
import type { Logger } from 'pino';
import type { Router } from 'express';
import type { ControllerCore } from '../controller/types.js';
import type { ActionDocument } from '../protocol/index.js';
import type { EntityCache } from './cache.js';
import { storeActionResolver, type PackagedActionLookup } from './action-resolver.js';
import type { ActionPort, FireRecordPort, RulePort, TriggerPort } from './ports.js';
import { ruleRoutes } from './routes/rules.js';
import { triggerRoutes } from './routes/triggers.js';
import { triggerFirer } from './trigger-firing.js';

export interface TriggerRuleDeps {
  triggers: TriggerPort;
  rules: RulePort;
  records: FireRecordPort;
  /** Policy names recorded in a trigger's placement doc (PALETTE_POLICY, PALETTE_BASELINE). */
  policies: { colored: string; uncolored: string };
  /** Trigger fires per minute and namespace before a subject's own limit (R11; default 60000). */
  firesPerMinute?: number;
  /** Controller replicas the limit is split between (default 1). */
  replicas?: number;
  /** Actions in packages (`ns/pkg/action`), once packages exist; otherwise they are not found. */
  packagedActions?: PackagedActionLookup;
}

export function triggerRuleRouters(
  deps: TriggerRuleDeps,
  shared: {
    core: ControllerCore;
    actions: ActionPort;
    /** The invoke path's action cache, shared so a fire reads what an invoke would. */
    actionCache?: EntityCache<ActionDocument>;
    controllerId: string;
    logger: Logger;
  },
): { triggers: Router; rules: Router } {
  const resolver = storeActionResolver(shared.actions, deps.packagedActions, shared.actionCache);
  const firer = triggerFirer({
    core: shared.core,
    resolver,
    records: deps.records,
    policies: deps.policies,
    controllerId: shared.controllerId,
    logger: shared.logger,
  });
  return {
    triggers: triggerRoutes({
      triggers: deps.triggers,
      firer,
      fireLimit: { perMinute: deps.firesPerMinute ?? 60_000, replicas: deps.replicas ?? 1 },
    }),
    rules: ruleRoutes({ rules: deps.rules, triggers: deps.triggers, actions: resolver }),
  };
}
