/**
 * Constructors for the messages and documents this project writes, so that every writer produces
 * exactly the fields OpenWhisk's serializers produce (and nothing that reads as another kind).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ActivationMessage } from './activation-message.js';
import type { Acknowledgement } from './acknowledgement.js';
import type { ActionDocument } from './action.js';
import { defaultActionLimits, defaultNodeKind } from './action.js';
import type { PingMessage } from './ping.js';
import type { Identity, InvokerInstanceId, TransactionId } from './primitives.js';
import { byteSizeFromMB } from './primitives.js';
import type { WhiskActivation } from './whisk-activation.js';

const alphanumeric = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random 32-character activation id (a UUID without dashes, as OpenWhisk makes them). */
export function newActivationId(): string {
  return randomUUID().replace(/-/g, '');
}

/** A user transaction id: 32 alphanumerics and the request's start time (for the waitTime annotation). */
export function newTransactionId(startMs: number): TransactionId {
  const bytes = randomBytes(32);
  let id = '';
  for (const byte of bytes) id += alphanumeric[byte % alphanumeric.length];
  return [id, startMs];
}

/** OpenWhisk's system transaction id for invoker health test activations. */
export const invokerHealthTid = 'sid_invokerHealth';

export function invokerInstanceId(
  instance: number,
  userMemoryMB: number,
  uniqueName?: string,
  tags: readonly string[] = [],
): InvokerInstanceId {
  const id: InvokerInstanceId = {
    instance,
    userMemory: byteSizeFromMB(userMemoryMB),
    instanceType: 'invoker',
    tags: [...tags],
    dedicatedNamespaces: [],
  };
  if (uniqueName !== undefined) id.uniqueName = uniqueName;
  return id;
}

export function pingMessage(invoker: InvokerInstanceId, isEnabled = true): PingMessage {
  return { name: invoker, isEnabled };
}

/** Fields the controller decides for one activation. */
export interface ActivationMessageInput {
  transid: TransactionId;
  action: { path: string; name: string; version: string; binding?: string };
  revision: string | null;
  user: Identity;
  activationId: string;
  controllerId: string;
  blocking: boolean;
  content?: unknown;
  initArgs?: string[];
  lockedArgs?: Record<string, string>;
  cause?: string;
}

export function activationMessage(input: ActivationMessageInput): ActivationMessage {
  const message: ActivationMessage = {
    transid: input.transid,
    action: { ...input.action },
    revision: input.revision,
    user: input.user,
    activationId: input.activationId,
    rootControllerIndex: { asString: input.controllerId, instanceType: 'controller' },
    blocking: input.blocking,
    initArgs: input.initArgs ?? [],
    lockedArgs: input.lockedArgs ?? {},
  };
  if (input.content !== undefined && input.content !== null) message.content = input.content;
  if (input.cause !== undefined) message.cause = input.cause;
  return message;
}

/** Name of the per-controller health test action (InvokerPool.healthAction). */
export function healthTestActionName(controllerId: string): string {
  return `invokerHealthTestAction${controllerId}`;
}

/** The health test action document as OpenWhisk's controller writes it into the whisks database. */
export function healthTestActionDocument(controllerId: string, updatedMs: number): ActionDocument {
  const name = healthTestActionName(controllerId);
  return {
    _id: `whisk.system/${name}`,
    entityType: 'action',
    updated: updatedMs,
    namespace: 'whisk.system',
    name,
    version: '0.0.1',
    publish: false,
    exec: { kind: defaultNodeKind, code: 'function main(params) { return params; }', binary: false },
    parameters: [],
    limits: { ...defaultActionLimits, memory: 128 },
    annotations: [],
  };
}

/** The identity health test activations run as: whisk.system with a random key and no rights. */
export function healthTestIdentity(): Identity {
  const uuid = randomUUID();
  const key = randomBytes(48)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .padEnd(64, 'x')
    .slice(0, 64);
  return {
    subject: 'whisk.system',
    namespace: { name: 'whisk.system', uuid },
    authkey: { api_key: `${uuid}:${key}` },
    rights: [],
    limits: {},
  };
}

/** Acknowledgements as the invoker sends them (ContainerProxy / MessagingActiveAck). */
export const acks = {
  /** Blocking call, result ready: the full activation, logs not yet collected. */
  result(transid: TransactionId, activation: WhiskActivation): Acknowledgement {
    return { kind: 'result', message: { transid, response: { ...activation, logs: [] } } };
  },
  /** Slot freed, after log collection. */
  completion(
    transid: TransactionId,
    activationId: string,
    invoker: InvokerInstanceId,
    isSystemError: boolean,
  ): Acknowledgement {
    return { kind: 'completion', message: { transid, activationId, isSystemError, instance: invoker } };
  },
  /** Slot freed and result in one message; non-blocking acks carry only the id ("shrunk"). */
  combined(
    transid: TransactionId,
    activation: WhiskActivation,
    invoker: InvokerInstanceId,
    blocking: boolean,
  ): Acknowledgement {
    return {
      kind: 'combined',
      message: {
        transid,
        response: blocking ? activation : activation.activationId,
        isSystemError: activation.response.statusCode === 3,
        instance: invoker,
      },
    };
  },
};
