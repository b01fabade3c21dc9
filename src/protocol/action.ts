/**
 * The action document in the whisks database (OpenWhisk core/entity/WhiskAction.scala, Exec.scala).
 * The invoker fetches it by `<path>/<name>` and the message's revision; it cannot read a document
 * without `updated`, so the schema requires it.
 */
import { z } from 'zod';
import { actionLimitsSchema, keyValuesSchema, semVerSchema } from './primitives.js';

/** Inline code, or the attachment descriptor OpenWhisk's controller writes instead. */
export const attachmentSchema = z
  .object({
    attachmentName: z.string(),
    attachmentType: z.string(),
    length: z.number().optional(),
    digest: z.string().optional(),
  })
  .passthrough();

/**
 * A code exec (`<family>:<version>`, code required) or a blackbox exec (`blackbox` with its `image`,
 * code optional), as Exec.serdes writes them.
 */
export const codeExecSchema = z
  .object({
    kind: z
      .string()
      .regex(/^([a-z0-9]+:[a-z0-9.]+|blackbox)$/i, 'kind must look like nodejs:20 or be blackbox'),
    code: z.union([z.string(), attachmentSchema]).optional(),
    image: z.string().optional(),
    binary: z.boolean(),
    main: z.string().optional(),
  })
  .passthrough()
  .refine((exec) => (exec.kind === 'blackbox' ? exec.image !== undefined : exec.code !== undefined), {
    message: 'a blackbox exec needs an image, any other exec its code',
  });
export type CodeExec = z.infer<typeof codeExecSchema>;

export const actionDocumentSchema = z
  .object({
    _id: z.string(),
    _rev: z.string().optional(),
    entityType: z.literal('action'),
    updated: z.number(),
    namespace: z.string(),
    name: z.string(),
    version: semVerSchema,
    publish: z.boolean(),
    exec: codeExecSchema,
    parameters: keyValuesSchema,
    limits: actionLimitsSchema,
    annotations: keyValuesSchema,
  })
  .passthrough();
export type ActionDocument = z.infer<typeof actionDocumentSchema>;

export function actionDocId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** OpenWhisk's standard limits (application.conf): 60 s, 256 MB, 10 MB logs, concurrency 1. */
export const defaultActionLimits = { timeout: 60000, memory: 256, logs: 10, concurrency: 1 } as const;

/** The Node.js kinds of OpenWhisk's runtime manifest (ansible/files/runtimes.json); `nodejs:default` is nodejs:20. */
export const nodeKinds = ['nodejs:18', 'nodejs:20'] as const;
export const defaultNodeKind = 'nodejs:20';
