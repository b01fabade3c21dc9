/**
 * What an action's process sees: the container's environment, the `__OW_*` context given at init,
 * and the context fields sent with every /run (ContainerProxy.initializeAndRun).
 */
import { tmpdir } from 'node:os';
import type { ActivationMessage } from '../protocol/index.js';
import type { ExecutableAction } from './ports.js';

/** ContainerProxy.partitionArguments: init parameters go to the environment, the rest are the arguments. */
export function partitionArguments(
  content: unknown,
  initArgs: readonly string[],
): { env: Record<string, unknown>; params: unknown } {
  if (content === undefined || content === null) return { env: {}, params: {} };
  if (Array.isArray(content) || typeof content !== 'object') return { env: {}, params: content };
  const env: Record<string, unknown> = {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(content as Record<string, unknown>)) {
    if (initArgs.includes(key)) env[key] = value;
    else params[key] = value;
  }
  return { env, params };
}

/** A missing `provide-api-key` annotation counts as true (OpenWhisk's backward compatibility). */
export function providesApiKey(action: Pick<ExecutableAction, 'annotations'>): boolean {
  const annotation = action.annotations.find((a) => a.key === 'provide-api-key');
  if (!annotation) return true;
  const v = annotation.value;
  return !(v === false || v === 0 || v === '' || v === null || v === 'false');
}

/** The activation context: sent with /run as fields, and at init as `__OW_<FIELD>` variables. */
export function activationContext(
  msg: ActivationMessage,
  action: Pick<ExecutableAction, 'annotations'>,
): Record<string, string> {
  return {
    ...(providesApiKey(action) ? stringFields(msg.user.authkey) : {}),
    namespace: msg.user.namespace.name,
    action_name: `/${msg.action.path}/${msg.action.name}`,
    ...(msg.action.version !== undefined ? { action_version: msg.action.version } : {}),
    activation_id: msg.activationId,
    transaction_id: msg.transid[0],
  };
}

/** The context as the `__OW_*` environment an action's init receives, with its deadline. */
export function owEnvironment(context: Record<string, string>, deadlineMs: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...context, deadline: String(deadlineMs) })) {
    env[`__OW_${k.toUpperCase()}`] = v;
  }
  return env;
}

export interface ContainerIdentity {
  readonly invokerId: number;
  readonly invokerName?: string;
  readonly containerId: string;
  /** The invoker's local object store folder (PALETTE_LOCAL_STORE). */
  readonly localStore: string | undefined;
  /** Extra variables from the invoker's configuration (e.g. __OW_API_HOST). */
  readonly extra?: Record<string, string>;
}

/** The process environment of a container: nothing of the invoker's own beyond PATH. */
export function containerEnvironment(identity: ContainerIdentity): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    TMPDIR: tmpdir(),
    PALETTE_INVOKER_ID: String(identity.invokerId),
    PALETTE_CONTAINER_ID: identity.containerId,
    PALETTE_LOCAL_STORE: identity.localStore ?? tmpdir(),
    ...(identity.invokerName ? { PALETTE_INVOKER_NAME: identity.invokerName } : {}),
    ...identity.extra,
  };
}

function stringFields(record: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}
