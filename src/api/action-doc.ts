/**
 * From an `ActionPut` body to the stored action document, as OpenWhisk's Actions.scala does it:
 * kind `nodejs:default` resolves to nodejs:20; the `exec` annotation is always (re)written and
 * `provide-api-key: false` is added on create (amendAnnotations); a new action is 0.0.1 and an
 * update bumps the patch version; limits take OpenWhisk's defaults and ranges. Code is stored
 * inline as a plain string (OpenWhisk's reader accepts it; see openwhisk-wire.md §5.3).
 */
import { z } from 'zod';
import {
  actionDocId,
  defaultActionLimits,
  defaultNodeKind,
  keyValuesSchema,
  nodeKinds,
  semVerSchema,
  type ActionDocument,
  type ActionMeta,
  type KeyValue,
} from '../protocol/index.js';
import { badRequest } from './errors.js';
import { isSequenceExecPut, sequenceComponentsOf, sequenceExec, sequenceParameters } from './sequence-doc.js';

const limitsPutSchema = z
  .object({
    timeout: z.number().int().optional(),
    memory: z.number().int().optional(),
    logs: z.number().int().optional(),
    concurrency: z.number().int().optional(),
  })
  .passthrough();

const execPutSchema = z
  .object({
    kind: z.string(),
    code: z.string().optional(),
    main: z.string().optional(),
    binary: z.boolean().optional(),
  })
  .passthrough();

export const actionPutSchema = z
  .object({
    exec: execPutSchema.optional(),
    parameters: keyValuesSchema.optional(),
    annotations: keyValuesSchema.optional(),
    delAnnotations: z.array(z.string()).optional(),
    limits: limitsPutSchema.optional(),
    version: semVerSchema.optional(),
    publish: z.boolean().optional(),
  })
  .passthrough();
export type ActionPut = z.infer<typeof actionPutSchema>;

/** OpenWhisk's standard ranges (application.conf whisk.*-limit). */
export const limitRanges = {
  timeout: { min: 100, max: 300_000 },
  memory: { min: 128, max: 512 },
  logs: { min: 0, max: 10 },
  concurrency: { min: 1, max: 1 },
} as const;

/** `\A([\w]|[\w][\w@ .-]*[\w@.-]+)\z`, at most 256 characters (EntityName.scala). */
const entityNamePattern = /^(\w|\w[\w@ .-]*[\w@.-]+)$/;

export function checkEntityName(name: string): void {
  if (name.length > 256 || !entityNamePattern.test(name)) {
    throw badRequest('The name of the entity contains illegal characters.');
  }
}

const supportedKinds: readonly string[] = [...nodeKinds, 'nodejs:default'];

export function parseActionPut(body: unknown): ActionPut {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request content was malformed: the action must be a JSON object.');
  }
  const parsed = actionPutSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(
      `The request content was malformed: ${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

const base64Pattern = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$/;

/** Exec.isBinaryCode: base64 text is a zip or tar.gz archive. */
export function isBinaryCode(code: string): boolean {
  const trimmed = code.trim();
  return trimmed.length > 0 && trimmed.length % 4 === 0 && base64Pattern.test(trimmed);
}

function resolveExec(exec: NonNullable<ActionPut['exec']>): ActionDocument['exec'] {
  if (!supportedKinds.includes(exec.kind)) {
    throw badRequest(
      `The specified runtime '${exec.kind}' is not supported by this platform. Valid values are: ${supportedKinds.join(', ')}.`,
    );
  }
  if (exec.code === undefined) throw badRequest('The request content was malformed: exec.code is required.');
  const kind = exec.kind === 'nodejs:default' ? defaultNodeKind : exec.kind;
  const resolved: ActionDocument['exec'] = { kind, code: exec.code, binary: isBinaryCode(exec.code) };
  if (exec.main !== undefined && exec.main !== '') resolved.main = exec.main;
  return resolved;
}

/** A sequence's exec (components already resolved by the route) or a code exec. */
function execOf(exec: NonNullable<ActionPut['exec']>): ActionDocument['exec'] {
  return isSequenceExecPut(exec) ? sequenceExec(sequenceComponentsOf(exec, '_')) : resolveExec(exec);
}

/** Actions.scala: a sequence's parameters are always `_actions`; they never leak into a code action. */
function parametersOf(put: ActionPut, old?: ActionDocument): KeyValue[] {
  if (put.exec && isSequenceExecPut(put.exec)) {
    return sequenceParameters(sequenceComponentsOf(put.exec, '_'));
  }
  if (!old) return put.parameters ?? [];
  const wasSequence = isSequenceExecPut(old.exec);
  if (!put.exec && wasSequence) return old.parameters;
  return put.parameters ?? (wasSequence ? [] : old.parameters);
}

function checkRange(what: string, value: number, range: { min: number; max: number }, unit: string): void {
  const u = unit ? ` ${unit}` : '';
  if (value < range.min)
    throw badRequest(`${what} ${value}${u} below allowed threshold of ${range.min}${u}.`);
  if (value > range.max)
    throw badRequest(`${what} ${value}${u} exceeds allowed threshold of ${range.max}${u}.`);
}

function resolveLimits(put: ActionPut['limits'], base: ActionDocument['limits']): ActionDocument['limits'] {
  const limits = {
    timeout: put?.timeout ?? base.timeout,
    memory: put?.memory ?? base.memory,
    logs: put?.logs ?? base.logs ?? defaultActionLimits.logs,
    concurrency: put?.concurrency ?? base.concurrency ?? defaultActionLimits.concurrency,
  };
  checkRange('Time limit', limits.timeout, limitRanges.timeout, 'milliseconds');
  checkRange('Memory', limits.memory, limitRanges.memory, 'MB');
  checkRange('Log size', limits.logs, limitRanges.logs, 'MB');
  checkRange('Concurrency', limits.concurrency, limitRanges.concurrency, '');
  return limits;
}

/** Parameters `++`: later keys replace earlier ones, keeping first-seen order. */
function mergeKeyValues(base: readonly KeyValue[], added: readonly KeyValue[]): KeyValue[] {
  const out = new Map<string, KeyValue>();
  for (const kv of base) out.set(kv.key, kv);
  for (const kv of added) out.set(kv.key, kv);
  return [...out.values()];
}

function amendAnnotations(annotations: KeyValue[], kind: string, create: boolean): KeyValue[] {
  let amended = annotations;
  if (create && !amended.some((a) => a.key === 'provide-api-key')) {
    amended = mergeKeyValues(amended, [{ key: 'provide-api-key', value: false }]);
  }
  return mergeKeyValues(amended, [{ key: 'exec', value: kind }]);
}

export function upPatch(version: string): string {
  const [major = '0', minor = '0', patch = '0'] = version.split('.');
  return `${Number(major)}.${Number(minor)}.${Number(patch) + 1}`;
}

/** The document for a new action. */
export function createActionDocument(
  namespace: string,
  name: string,
  put: ActionPut,
  now: number,
): ActionDocument {
  if (!put.exec) throw badRequest('The request content was malformed: exec undefined.');
  const exec = execOf(put.exec);
  return {
    _id: actionDocId(namespace, name),
    entityType: 'action',
    updated: now,
    namespace,
    name,
    version: put.version ?? '0.0.1',
    publish: put.publish ?? false,
    exec,
    parameters: parametersOf(put),
    limits: resolveLimits(put.limits, { ...defaultActionLimits }),
    annotations: amendAnnotations(put.annotations ?? [], exec.kind, true),
  };
}

/** The document replacing `old` (which carries the `_rev` the write must match). */
export function updateActionDocument(old: ActionDocument, put: ActionPut, now: number): ActionDocument {
  const exec = put.exec ? execOf(put.exec) : old.exec;
  const deleted = new Set(put.delAnnotations ?? []);
  const kept = old.annotations.filter((a) => !deleted.has(a.key));
  const annotations = amendAnnotations(mergeKeyValues(kept, put.annotations ?? []), exec.kind, false);
  const doc: ActionDocument = {
    ...old,
    updated: now,
    version: put.version ?? upPatch(old.version),
    publish: put.publish ?? old.publish,
    exec,
    parameters: parametersOf(put, old),
    limits: resolveLimits(put.limits, old.limits),
    annotations,
  };
  return doc;
}

/** The REST form (WhiskAction.toJson plus `updated`): no envelope; `code=false` drops the code. */
export function actionJson(doc: ActionDocument, includeCode = true): Record<string, unknown> {
  // `binding` marks an action reached through a binding for its activation; it is no action field.
  const { _id, _rev, entityType, binding, ...fields } = doc as ActionDocument & Record<string, unknown>;
  void _id;
  void _rev;
  void entityType;
  void binding;
  const exec: Record<string, unknown> = { ...doc.exec };
  if (!includeCode) delete exec.code;
  return { ...fields, exec };
}

/** The `actions` view value for one document (ActionMeta). */
export function actionMeta(doc: ActionDocument): ActionMeta {
  return {
    namespace: doc.namespace,
    name: doc.name,
    version: doc.version,
    publish: doc.publish,
    annotations: doc.annotations,
    limits: doc.limits,
    // A sequence has no `binary` (the view writes `binary || false` too).
    exec: { binary: doc.exec.binary === true },
    updated: doc.updated,
  };
}
