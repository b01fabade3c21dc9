/**
 * Running one activation in a container (ContainerProxy.initializeAndRun): /init on a cold
 * container, then /run, and the activation record those calls give. A failed init ends the
 * activation with its init error and no /run.
 */
import type { ActivationMessage, WhiskActivation } from '../protocol/index.js';
import {
  constructActivation,
  initFailureResponse,
  initSucceeded,
  runResponse,
  timedOut,
  type ActionFacts,
} from './activation-result.js';
import { activationContext, owEnvironment, partitionArguments } from './action-environment.js';
import type { CallResult, Container } from './container.js';
import type { ExecutableAction } from './ports.js';

export interface RunOutcome {
  /** The record, logs not yet collected. */
  readonly activation: WhiskActivation;
  /** The container timed out or died: kill it before reading its output. */
  readonly broken: boolean;
}

export async function runActivation(
  container: Container,
  warm: boolean,
  msg: ActivationMessage,
  action: ExecutableAction,
  facts: ActionFacts,
): Promise<RunOutcome> {
  const timeoutMs = action.limits.timeout;
  const { env: initParams, params } = partitionArguments(msg.content, msg.initArgs);
  const context = activationContext(msg, action);

  let init: { startMs: number; durationMs: number } | undefined;
  let lastCall: CallResult | undefined;
  if (!warm) {
    const initEnv = { ...initParams, ...owEnvironment(context, Date.now() + timeoutMs) };
    lastCall = await container.initialize(
      {
        name: action.name,
        binary: action.exec.binary,
        main: action.exec.main ?? 'main',
        code: action.exec.code,
        ...(Object.keys(initEnv).length > 0 ? { env: initEnv } : {}),
      },
      timeoutMs,
    );
    init = { startMs: lastCall.startMs, durationMs: lastCall.endMs - lastCall.startMs };
    if (!initSucceeded(lastCall, timeoutMs)) {
      const activation = constructActivation(
        msg,
        facts,
        { startMs: lastCall.startMs, endMs: lastCall.endMs, init, timeout: timedOut(lastCall, timeoutMs) },
        initFailureResponse(lastCall, timeoutMs),
      );
      return { activation, broken: isBroken(lastCall, timeoutMs) };
    }
  }
  lastCall = await container.run(
    { value: params, ...context, deadline: String(Date.now() + timeoutMs) },
    timeoutMs,
  );
  const activation = constructActivation(
    msg,
    facts,
    {
      startMs: lastCall.startMs - (init?.durationMs ?? 0),
      endMs: lastCall.endMs,
      ...(init ? { init } : {}),
      timeout: timedOut(lastCall, timeoutMs),
    },
    runResponse(lastCall, timeoutMs),
  );
  return { activation, broken: isBroken(lastCall, timeoutMs) };
}

function isBroken(call: CallResult, timeoutMs: number): boolean {
  return call.outcome.kind !== 'ok' || timedOut(call, timeoutMs);
}
