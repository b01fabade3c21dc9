/**
 * OpenWhisk's primitive wire types (common/scala/.../core/entity and common/TransactionId.scala),
 * as spray-json writes them. Objects pass unknown fields through: OpenWhisk adds optional fields
 * between versions and a round trip must not drop them.
 */
import { z } from 'zod';

/** `["<id>", <startEpochMs>]`, optionally followed by an extra-logging flag or a parent tid. */
export const transactionIdSchema = z.tuple([z.string(), z.number()]).rest(z.unknown());
export type TransactionId = z.infer<typeof transactionIdSchema>;

/** 32 lower-case hex characters (a UUID without dashes); upper case is rejected by OpenWhisk. */
export const activationIdSchema = z
  .string()
  .regex(/^[0-9a-f]{32}$/, 'activation id must be 32 lower-case hex');
export type ActivationId = z.infer<typeof activationIdSchema>;

/** A CouchDB `_rev`, or null for "no revision" (the invoker then reads the latest document). */
export const docRevisionSchema = z.string().nullable();

export const semVerSchema = z.string().regex(/^\d+(\.\d+){0,2}$/, 'version must look like 0.0.1');

/** OpenWhisk's ByteSize: `"<n> B|KB|MB|GB"` (case-insensitive, short units allowed). */
export const byteSizeSchema = z.string().regex(/^\s?\d+\s?(GB|MB|KB|B|G|M|K)\s?$/i, 'not a ByteSize');

/** Writes a size in MB the way OpenWhisk writes config-loaded sizes: in bytes, e.g. "2147483648 B". */
export function byteSizeFromMB(mb: number): string {
  return `${mb * 1024 * 1024} B`;
}

const byteUnits: Record<string, number> = {
  B: 1,
  K: 1024,
  KB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
};

/** Reads a ByteSize string back into whole MB (floor), as OpenWhisk's `toMB`. */
export function byteSizeToMB(size: string): number {
  const match = /^\s?(\d+)\s?(GB|MB|KB|B|G|M|K)\s?$/i.exec(size);
  if (!match) throw new Error(`not a ByteSize: ${size}`);
  const bytes = Number(match[1]) * (byteUnits[match[2]!.toUpperCase()] ?? 1);
  return Math.floor(bytes / 1024 ** 2);
}

/** `{"asString":"0","instanceType":"controller"}`; OpenWhisk also reads it without instanceType. */
export const controllerInstanceIdSchema = z
  .object({
    asString: z.string().regex(/^[a-zA-Z0-9._-]+$/),
    instanceType: z.literal('controller').optional(),
  })
  .passthrough();
export type ControllerInstanceId = z.infer<typeof controllerInstanceIdSchema>;

/**
 * The invoker identity in pings and completions. OpenWhisk's current reader requires `tags` and
 * `dedicatedNamespaces`; 1.0.0-era invokers omit them, so we read them as optional and always write them.
 */
export const invokerInstanceIdSchema = z
  .object({
    instance: z.number().int().min(0),
    userMemory: byteSizeSchema,
    instanceType: z.literal('invoker'),
    tags: z.array(z.string()).optional(),
    dedicatedNamespaces: z.array(z.string()).optional(),
    uniqueName: z.string().optional(),
    displayedName: z.string().optional(),
    busyMemory: byteSizeSchema.optional(),
  })
  .passthrough();
export type InvokerInstanceId = z.infer<typeof invokerInstanceIdSchema>;

export const privilegeSchema = z.enum(['READ', 'PUT', 'DELETE', 'ACTIVATE', 'REJECT']);

/** The invoking identity, embedded in every ActivationMessage; all five fields are required. */
export const identitySchema = z
  .object({
    subject: z.string().min(5, 'subject must have at least 5 characters'),
    namespace: z.object({ name: z.string(), uuid: z.string() }).passthrough(),
    authkey: z.record(z.unknown()),
    rights: z.array(privilegeSchema),
    limits: z.record(z.unknown()),
  })
  .passthrough();
export type Identity = z.infer<typeof identitySchema>;

/** `{"path":"guest","name":"hello","version":"0.0.1","binding"?:...}` */
export const fullyQualifiedNameSchema = z
  .object({
    path: z.string().min(1),
    name: z.string().min(1),
    version: semVerSchema.optional(),
    binding: z.string().optional(),
  })
  .passthrough();
export type FullyQualifiedName = z.infer<typeof fullyQualifiedNameSchema>;

/** One entry of `parameters` or `annotations`. */
export const keyValueSchema = z
  .object({
    key: z.string(),
    value: z.unknown(),
    init: z.boolean().optional(),
    encryption: z.string().optional(),
  })
  .passthrough();
export type KeyValue = z.infer<typeof keyValueSchema>;
export const keyValuesSchema = z.array(keyValueSchema);

/** Action limits: `timeout` (ms) and `memory` (MB) are required by OpenWhisk's reader. */
export const actionLimitsSchema = z
  .object({
    timeout: z.number().int().positive(),
    memory: z.number().int().positive(),
    logs: z.number().int().min(0).optional(),
    concurrency: z.number().int().positive().optional(),
    instances: z.number().int().positive().optional(),
  })
  .passthrough();
export type ActionLimits = z.infer<typeof actionLimitsSchema>;
