/**
 * ActivationMessage: controller -> `invoker<N>` (OpenWhisk core/connector/Message.scala,
 * jsonFormat12). Every non-optional field must be present, even empty (`initArgs: []`,
 * `lockedArgs: {}`): a real invoker drops a message its parser rejects without any acknowledgement.
 */
import { z } from 'zod';
import {
  activationIdSchema,
  controllerInstanceIdSchema,
  docRevisionSchema,
  fullyQualifiedNameSchema,
  identitySchema,
  transactionIdSchema,
} from './primitives.js';

export const activationMessageSchema = z
  .object({
    transid: transactionIdSchema,
    action: fullyQualifiedNameSchema,
    revision: docRevisionSchema,
    user: identitySchema,
    activationId: activationIdSchema,
    rootControllerIndex: controllerInstanceIdSchema,
    blocking: z.boolean(),
    content: z.unknown().optional(),
    initArgs: z.array(z.string()),
    lockedArgs: z.record(z.string()),
    cause: activationIdSchema.optional(),
    traceContext: z.record(z.string()).optional(),
  })
  .passthrough();

export type ActivationMessage = z.infer<typeof activationMessageSchema>;

export function parseActivationMessage(json: string): ActivationMessage {
  return activationMessageSchema.parse(JSON.parse(json));
}

/** Serializes after validating, so a message we could not read back never reaches the wire. */
export function serializeActivationMessage(message: ActivationMessage): string {
  const checked = activationMessageSchema.parse(message);
  // spray-json treats `content: null` as absent; leave it out rather than rely on that.
  if (checked.content === undefined || checked.content === null) delete checked.content;
  return JSON.stringify(checked);
}
