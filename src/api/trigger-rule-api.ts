/**
 * The trigger and rule routers with what they need, built from the API's dependencies (app.ts mounts
 * the two routers). Without `TriggerRuleDeps` the API has no trigger or rule routes (404).
 */
import type { Logger } from 'pino';
import type { Router } from 'express';
import type { ControllerCore } from '../controller/types.js';
import type { ActionDocument } from '../protocol/index.js';
import type { EntityCache } from './cache.js';
import { storeActionResolver } from './action-resolver.js';
import type { PackagedActionLookup } from './ports.js';
import type { ActionPort, FireRecordPort, RulePort, TriggerPort } from './ports.js';
import { ruleRoutes } from './routes/rules.js';
import type { Throttles } from './throttles.js';
import { triggerRoutes } from './routes/triggers.js';
import { triggerFirer } from './trigger-firing.js';

export interface TriggerRuleDeps {
  triggers: TriggerPort;
  rules: RulePort;
  records: FireRecordPort;
  /** Policy names recorded in a trigger's placement doc (PALETTE_POLICY, PALETTE_BASELINE). */
  policies: { colored: string; uncolored: string };
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
    /** Fires per minute (each fire), and the invocation limits of each action a fire starts. */
    throttles: Pick<Throttles, 'admitFire' | 'admitInvoke'>;
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
    admit: shared.throttles.admitInvoke,
  });
  return {
    triggers: triggerRoutes({
      triggers: deps.triggers,
      firer,
      admitFire: shared.throttles.admitFire,
    }),
    rules: ruleRoutes({ rules: deps.rules, triggers: deps.triggers, actions: resolver }),
  };
}
