/**
 * The arguments an activation carries, as OpenWhisk's PrimitiveActions.invokeSimpleAction builds
 * them: an object payload is merged over the action's default parameters (payload keys win), an
 * array payload is passed as-is, no payload gives the defaults. Parameters marked `init` are listed
 * in `initArgs` so the invoker hands them to the container at init.
 *
 * `__palette_color` is routing metadata owned by the platform: it is removed before the action sees
 * its arguments, like OpenWhisk's other reserved `__` names.
 */
import type { ActionDocument } from '../protocol/index.js';

export const colorParameter = '__palette_color';

export interface ActivationContent {
  content: unknown;
  initArgs: string[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function buildContent(
  action: Pick<ActionDocument, 'parameters'>,
  payload: unknown,
): ActivationContent {
  const initArgs = action.parameters.filter((p) => p.init === true).map((p) => p.key);
  if (Array.isArray(payload)) return { content: payload, initArgs };
  const merged: Record<string, unknown> = {};
  for (const parameter of action.parameters) merged[parameter.key] = parameter.value;
  if (isPlainObject(payload)) Object.assign(merged, payload);
  delete merged[colorParameter];
  return { content: merged, initArgs };
}
