/**
 * Which acknowledgements an activation sends, and when (ContainerProxy + MessagingActiveAck), as a
 * pure plan from the table in invoker.ts's header:
 *
 *   blocking, logs collected     ResultMessage right after the run, CompletionMessage after the logs
 *   blocking, no logs            one CombinedCompletionAndResultMessage right after the run
 *   non-blocking, logs collected one CompletionMessage after the logs
 *   non-blocking, no logs        one CompletionMessage right after the run
 *
 * The result goes out as soon as it is known so a blocking caller does not wait for log collection;
 * the completion frees the controller's slot only once the container's output has been read.
 */
import {
  acks,
  type Acknowledgement,
  type ActivationMessage,
  type InvokerInstanceId,
  type WhiskActivation,
} from '../protocol/index.js';

export type AckKind = 'result' | 'combined' | 'completion';

export interface AckPlan {
  /** Sent as soon as the run ends. */
  readonly atResult?: AckKind;
  /** Sent after the logs are collected. */
  readonly afterLogs?: 'completion';
}

export function ackPlan(blocking: boolean, collectsLogs: boolean): AckPlan {
  if (collectsLogs)
    return blocking ? { atResult: 'result', afterLogs: 'completion' } : { afterLogs: 'completion' };
  return blocking ? { atResult: 'combined' } : { atResult: 'completion' };
}

/** Builds one planned acknowledgement; a completion carries `isSystemError` from the status code. */
export function buildAck(
  kind: AckKind,
  msg: ActivationMessage,
  activation: WhiskActivation,
  instance: InvokerInstanceId,
): Acknowledgement {
  switch (kind) {
    case 'result':
      return acks.result(msg.transid, activation);
    case 'combined':
      return acks.combined(msg.transid, activation, instance, true);
    case 'completion':
      return acks.completion(
        msg.transid,
        activation.activationId,
        instance,
        activation.response.statusCode === 3,
      );
  }
}

/**
 * An activation that never reached a container (ContainerProxy.abortBuffered): a blocking caller
 * gets the whole record in one Combined ack, a non-blocking one only the completion.
 */
export function abortAck(
  msg: ActivationMessage,
  activation: WhiskActivation,
  instance: InvokerInstanceId,
): Acknowledgement {
  return buildAck(msg.blocking ? 'combined' : 'completion', msg, activation, instance);
}

/** The same ack with only the activation id as its response, for a record too large for the topic. */
export function shrunkAck(ack: Acknowledgement, activationId: string): Acknowledgement | undefined {
  if (ack.kind === 'completion' || typeof ack.message.response === 'string') return undefined;
  return { ...ack, message: { ...ack.message, response: activationId } } as Acknowledgement;
}
