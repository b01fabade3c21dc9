/**
 * The activation record (OpenWhisk core/entity/WhiskActivation.scala, jsonFormat13): what an invoker
 * puts in an acknowledgement and stores in the activations database, and what the REST API returns in
 * its "extended" form (response.statusCode replaced by `success` and `status`).
 */
import { z } from 'zod';
import { activationIdSchema, keyValuesSchema, semVerSchema } from './primitives.js';

/** 0 success, 1 application error, 2 action developer error, 3 whisk internal error. */
export const statusCodes = { success: 0, applicationError: 1, developerError: 2, whiskError: 3 } as const;
export type StatusCode = 0 | 1 | 2 | 3;

export const activationResponseSchema = z
  .object({
    statusCode: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
    result: z.unknown().optional(),
    size: z.number().int().min(0).optional(),
  })
  .passthrough();
export type ActivationResponse = z.infer<typeof activationResponseSchema>;

/** Epoch ms; OpenWhisk's reader also accepts ISO-8601 strings. */
const instantSchema = z.union([z.number(), z.string().datetime({ offset: true })]);

export const whiskActivationSchema = z
  .object({
    namespace: z.string(),
    name: z.string(),
    subject: z.string().min(5),
    activationId: activationIdSchema,
    start: instantSchema,
    end: instantSchema,
    cause: activationIdSchema.optional(),
    response: activationResponseSchema,
    logs: z.array(z.string()),
    version: semVerSchema,
    publish: z.boolean(),
    annotations: keyValuesSchema,
    duration: z.number().optional(),
  })
  .passthrough();
export type WhiskActivation = z.infer<typeof whiskActivationSchema>;

/** The record as stored in CouchDB: the activation plus the document envelope. */
export const activationDocumentSchema = whiskActivationSchema
  .extend({
    _id: z.string(),
    _rev: z.string().optional(),
    entityType: z.literal('activation'),
    updated: z.number(),
  })
  .passthrough();
export type ActivationDocument = z.infer<typeof activationDocumentSchema>;

const statusNames: Record<StatusCode, string> = {
  0: 'success',
  1: 'application error',
  2: 'action developer error',
  3: 'whisk internal error',
};

export function statusName(code: StatusCode): string {
  return statusNames[code];
}

/** `{result, size?, success, status}`: the REST form of `response` (ActivationResponse.toExtendedJson). */
export function extendedResponse(response: ActivationResponse): Record<string, unknown> {
  const { statusCode, ...rest } = response;
  return { ...rest, success: statusCode === 0, status: statusName(statusCode) };
}

/** The REST form of a record (WhiskActivation.toExtendedJson): no envelope, extended response. */
export function extendedActivation(activation: WhiskActivation): Record<string, unknown> {
  const { _id, _rev, entityType, updated, ...fields } = activation as WhiskActivation &
    Record<string, unknown>;
  void _id;
  void _rev;
  void entityType;
  void updated;
  const out: Record<string, unknown> = { ...fields, response: extendedResponse(activation.response) };
  if (typeof activation.start === 'number' && typeof activation.end === 'number') {
    if (activation.end === 0) delete out.end;
    else out.duration = activation.duration ?? activation.end - activation.start;
  }
  return out;
}

export function annotation(
  activation: { annotations: readonly { key: string; value?: unknown }[] },
  key: string,
): unknown {
  return activation.annotations.find((a) => a.key === key)?.value;
}
