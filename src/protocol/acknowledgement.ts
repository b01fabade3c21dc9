/**
 * Acknowledgements: invoker -> `completed<C>` (OpenWhisk core/connector/Message.scala). There is no
 * type tag; OpenWhisk tells the three kinds apart by their keys, and so do we:
 *   has `instance` and `response` -> CombinedCompletionAndResultMessage (slot freed + result)
 *   has `instance` only           -> CompletionMessage (slot freed)
 *   otherwise                     -> ResultMessage (result only)
 * `response` is a full WhiskActivation or, "shrunk", just the activation id. A key that is present
 * with value null still counts as present in OpenWhisk, so writers must leave absent keys out.
 */
import { z } from 'zod';
import { activationIdSchema, invokerInstanceIdSchema, transactionIdSchema } from './primitives.js';
import { whiskActivationSchema } from './whisk-activation.js';

const responseSchema = z.union([activationIdSchema, whiskActivationSchema]);

export const completionMessageSchema = z
  .object({
    transid: transactionIdSchema,
    activationId: activationIdSchema,
    isSystemError: z.boolean().optional(),
    instance: invokerInstanceIdSchema,
  })
  .passthrough();

export const resultMessageSchema = z
  .object({
    transid: transactionIdSchema,
    response: responseSchema,
  })
  .passthrough();

export const combinedMessageSchema = z
  .object({
    transid: transactionIdSchema,
    response: responseSchema,
    isSystemError: z.boolean().optional(),
    instance: invokerInstanceIdSchema,
  })
  .passthrough();

export type CompletionMessage = z.infer<typeof completionMessageSchema>;
export type ResultMessage = z.infer<typeof resultMessageSchema>;
export type CombinedMessage = z.infer<typeof combinedMessageSchema>;

export type Acknowledgement =
  | { kind: 'completion'; message: CompletionMessage }
  | { kind: 'result'; message: ResultMessage }
  | { kind: 'combined'; message: CombinedMessage };

export function classifyAcknowledgement(value: unknown): Acknowledgement {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('an acknowledgement must be a JSON object');
  }
  const hasInstance = 'instance' in value;
  const hasResponse = 'response' in value;
  if (hasInstance && hasResponse) return { kind: 'combined', message: combinedMessageSchema.parse(value) };
  if (hasInstance) return { kind: 'completion', message: completionMessageSchema.parse(value) };
  return { kind: 'result', message: resultMessageSchema.parse(value) };
}

export function parseAcknowledgement(json: string): Acknowledgement {
  return classifyAcknowledgement(JSON.parse(json));
}

export function serializeAcknowledgement(ack: Acknowledgement): string {
  const schema =
    ack.kind === 'combined'
      ? combinedMessageSchema
      : ack.kind === 'completion'
        ? completionMessageSchema
        : resultMessageSchema;
  const checked = schema.parse(ack.message) as Record<string, unknown>;
  if (ack.kind === 'completion' && 'response' in checked) delete checked.response;
  return JSON.stringify(checked);
}

/** The activation id an acknowledgement is about, whatever its kind and form. */
export function acknowledgedActivationId(ack: Acknowledgement): string {
  if (ack.kind === 'completion') return ack.message.activationId;
  const response = ack.message.response;
  return typeof response === 'string' ? response : response.activationId;
}
