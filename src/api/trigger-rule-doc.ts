/**
 * Trigger and rule documents, as OpenWhisk's WhiskTrigger / WhiskRule / ReducedRule write them, and
 * the pure steps of Triggers.scala and Rules.scala that build and change them:
 * - a trigger keeps `rules`, a map from the rule's fully qualified name (`ns/rule`) to its
 *   ReducedRule `{action: {path, name}, status}`; the rule's status lives only there;
 * - a rule names its trigger and action as fully qualified names `{path, name}`; a PUT may give them
 *   as strings (`/_/t`, `/ns/pkg/a`), `_` being the caller's namespace;
 * - a new entity is 0.0.1, an update bumps the patch version unless one is given.
 */
import { z } from 'zod';
import { keyValuesSchema, semVerSchema, type KeyValue } from '../protocol/index.js';
import { upPatch } from './action-doc.js';
import { ApiError, badRequest } from './errors.js';

export const ruleStatusSchema = z.enum(['active', 'inactive']);
export type RuleStatus = z.infer<typeof ruleStatusSchema>;

/** FullyQualifiedEntityName as OpenWhisk stores it (`version`/`binding` kept if present). */
export const entityRefSchema = z.object({ path: z.string().min(1), name: z.string().min(1) }).passthrough();
export type EntityRef = z.infer<typeof entityRefSchema>;

export const reducedRuleSchema = z
  .object({ action: entityRefSchema, status: ruleStatusSchema })
  .passthrough();
export type ReducedRule = z.infer<typeof reducedRuleSchema>;

const envelope = {
  _id: z.string(),
  _rev: z.string().optional(),
  namespace: z.string(),
  name: z.string(),
  version: semVerSchema,
  publish: z.boolean(),
  annotations: keyValuesSchema,
  updated: z.number(),
};

export const triggerDocumentSchema = z
  .object({
    ...envelope,
    entityType: z.literal('trigger'),
    parameters: keyValuesSchema,
    limits: z.object({}).passthrough(),
    rules: z.record(reducedRuleSchema).optional(),
  })
  .passthrough();
export type TriggerDocument = z.infer<typeof triggerDocumentSchema>;

export const ruleDocumentSchema = z
  .object({ ...envelope, entityType: z.literal('rule'), trigger: entityRefSchema, action: entityRefSchema })
  .passthrough();
export type RuleDocument = z.infer<typeof ruleDocumentSchema>;

/** WhiskTriggerPut (unknown fields are ignored, as spray-json's reader ignores them). */
export const triggerPutSchema = z
  .object({
    parameters: keyValuesSchema.optional(),
    limits: z.object({}).passthrough().optional(),
    version: semVerSchema.optional(),
    publish: z.boolean().optional(),
    annotations: keyValuesSchema.optional(),
  })
  .passthrough();
export type TriggerPut = z.infer<typeof triggerPutSchema>;

/** WhiskRulePut; trigger and action are read by parseEntityRef. */
export const rulePutSchema = z
  .object({
    trigger: z.unknown().optional(),
    action: z.unknown().optional(),
    version: semVerSchema.optional(),
    publish: z.boolean().optional(),
    annotations: keyValuesSchema.optional(),
  })
  .passthrough();
export type RulePut = z.infer<typeof rulePutSchema>;

export const ruleMessages = {
  malformedFqn:
    'The fully qualified name of the entity must contain at least the namespace and the name of the entity.',
  fqnMalformed: 'fully qualified name malformed',
  needsTriggerAndAction: 'rule requires a valid trigger and a valid action',
  triggerMissing: (fqn: string) => `trigger /${fqn} does not exist`,
  actionMissing: (fqn: string) => `action /${fqn} does not exist`,
  onlyExistingTriggers: 'Only rules with existing triggers can be activated',
  badStatus: (s: string) => `'${s}' is not a recognized rule state, must be one of ['active', 'inactive']`,
  inactiveRule: (rule: string, action: string) =>
    `Rule '${rule}' is inactive, action '${action}' was not activated.`,
  feedInvalid: 'Feed name is not valid',
  conformance: 'Resource by this name exists but is not in this collection.',
  concurrent: 'Concurrent modification to resource detected.',
} as const;

/** EntityName.REGEX: 1 to 256 characters, word characters first and last. */
const entityNamePattern = /^(\w|\w[\w@ .&-]{0,254}[\w@.&-])$/;

export function isEntityName(part: string): boolean {
  return entityNamePattern.test(part);
}

const malformed = (detail: string): ApiError => badRequest(`The request content was malformed:\n${detail}`);

/** A body that must be a JSON object, parsed with `schema` (OpenWhisk's malformed-entity 400 otherwise). */
export function parseBody<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown, what: string): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw malformed(`the ${what} must be a JSON object.`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw malformed(`${issue.path.join('.') || what}: ${issue.message}`);
  }
  return parsed.data;
}

/** `ns/name` or `ns/pkg/name`: the form of a rule key and of a name in a trigger record's logs. */
export function fqnString(ref: Pick<EntityRef, 'path' | 'name'>): string {
  return `${ref.path}/${ref.name}`;
}

function refFromParts(parts: readonly string[], userNamespace: string): EntityRef {
  if (!parts.every(isEntityName)) throw malformed(`path contains invalid parts ${parts.join(', ')}`);
  if (parts.length < 2) throw malformed(`requirement failed: ${ruleMessages.malformedFqn}`);
  const path = [...parts.slice(0, -1)];
  // FullyQualifiedEntityName.resolve: the default namespace `_` becomes the caller's.
  if (path[0] === '_') path[0] = userNamespace;
  return { path: path.join('/'), name: parts[parts.length - 1]! };
}

/** FullyQualifiedEntityName.serdes.read followed by resolve(userNamespace). */
export function parseEntityRef(value: unknown, userNamespace: string): EntityRef {
  if (typeof value === 'string')
    return refFromParts(
      value.split('/').filter((p) => p !== ''),
      userNamespace,
    );
  const parsed = entityRefSchema.safeParse(value);
  if (!parsed.success) throw malformed(ruleMessages.fqnMalformed);
  const parts = parsed.data.path.split('/').filter((p) => p !== '');
  return refFromParts([...parts, parsed.data.name], userNamespace);
}

/** EntityPath.validate: one or more valid entity names separated by `/`. */
function isEntityPath(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const parts = value.split('/').filter((p) => p !== '');
  return parts.length > 0 && parts.every(isEntityName);
}

/** Triggers.validateTriggerFeed: a `feed` annotation must name an entity; nothing else is checked (R19). */
function checkFeed(annotations: readonly KeyValue[]): void {
  const feed = annotations.find((a) => a.key === 'feed');
  if (feed !== undefined && !isEntityPath(feed.value)) throw badRequest(ruleMessages.feedInvalid);
}

export function entityDocId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function createTriggerDocument(
  namespace: string,
  name: string,
  put: TriggerPut,
  now: number,
): TriggerDocument {
  const annotations = put.annotations ?? [];
  checkFeed(annotations);
  return {
    _id: entityDocId(namespace, name),
    entityType: 'trigger',
    namespace,
    name,
    parameters: put.parameters ?? [],
    limits: {},
    version: put.version ?? '0.0.1',
    publish: put.publish ?? false,
    annotations,
    updated: now,
  };
}

/** Triggers.update: given fields replace, the rest (and the rules map) are kept. */
export function updateTriggerDocument(old: TriggerDocument, put: TriggerPut, now: number): TriggerDocument {
  return {
    ...old,
    parameters: put.parameters ?? old.parameters,
    limits: old.limits,
    version: put.version ?? upPatch(old.version),
    publish: put.publish ?? old.publish,
    annotations: put.annotations ?? old.annotations,
    updated: now,
  };
}

export interface RuleTarget {
  trigger: EntityRef;
  action: EntityRef;
}

/** The trigger and action a PUT names, resolved; on update, what it leaves out is the old rule's. */
export function ruleTargetOf(put: RulePut, userNamespace: string, old?: RuleDocument): RuleTarget {
  const trigger = put.trigger !== undefined ? parseEntityRef(put.trigger, userNamespace) : old?.trigger;
  const action = put.action !== undefined ? parseEntityRef(put.action, userNamespace) : old?.action;
  if (!trigger || !action) throw badRequest(ruleMessages.needsTriggerAndAction);
  return {
    trigger: { path: trigger.path, name: trigger.name },
    action: { path: action.path, name: action.name },
  };
}

export function createRuleDocument(
  namespace: string,
  name: string,
  put: RulePut,
  target: RuleTarget,
  now: number,
): RuleDocument {
  return {
    _id: entityDocId(namespace, name),
    entityType: 'rule',
    namespace,
    name,
    trigger: target.trigger,
    action: target.action,
    version: put.version ?? '0.0.1',
    publish: put.publish ?? false,
    annotations: put.annotations ?? [],
    updated: now,
  };
}

export function updateRuleDocument(
  old: RuleDocument,
  put: RulePut,
  target: RuleTarget,
  now: number,
): RuleDocument {
  return {
    ...old,
    trigger: target.trigger,
    action: target.action,
    version: put.version ?? upPatch(old.version),
    publish: put.publish ?? old.publish,
    annotations: put.annotations ?? old.annotations,
    updated: now,
  };
}

/** Status.serdesRestricted: `{"status": "active"|"inactive"}`, anything else a 400. */
export function parseStatusRequest(body: unknown): RuleStatus {
  const status =
    typeof body === 'object' && body !== null ? (body as { status?: unknown }).status : undefined;
  if (typeof status !== 'string') throw malformed("Object is missing required member 'status'");
  const parsed = ruleStatusSchema.safeParse(status);
  if (!parsed.success) throw malformed(ruleMessages.badStatus(status));
  return parsed.data;
}

/** The key of a rule in its trigger's `rules` map. */
export function ruleKey(rule: Pick<RuleDocument, 'namespace' | 'name'>): string {
  return entityDocId(rule.namespace, rule.name);
}

/** Rules.getStatus: the status the trigger records for the rule; inactive when either is missing. */
export function ruleStatusIn(trigger: TriggerDocument | undefined, key: string): RuleStatus {
  return trigger?.rules?.[key]?.status ?? 'inactive';
}

/** WhiskTrigger.addRule (replacing any entry of that name). */
export function withRule(trigger: TriggerDocument, key: string, link: ReducedRule): TriggerDocument {
  return { ...trigger, rules: { ...(trigger.rules ?? {}), [key]: link } };
}

/** WhiskTrigger.removeRule: a trigger without a rules map keeps none. */
export function withoutRule(trigger: TriggerDocument, key: string): TriggerDocument {
  if (!trigger.rules) return trigger;
  const { [key]: _removed, ...rest } = trigger.rules;
  return { ...trigger, rules: rest };
}

function withoutEnvelope<D extends { _id: string; _rev?: string; entityType: string }>(
  doc: D,
): Omit<D, '_id' | '_rev' | 'entityType'> {
  const { _id: _i, _rev: _r, entityType: _e, ...fields } = doc;
  return fields;
}

/** WhiskTrigger.serdes: the REST form of a trigger (with its rules map when it has one). */
export function triggerJson(doc: TriggerDocument): Record<string, unknown> {
  return withoutEnvelope(doc);
}

/** WhiskRule.serdes: a rule as listed (no status). */
export function ruleJson(doc: RuleDocument): Record<string, unknown> {
  return withoutEnvelope(doc);
}

/** WhiskRuleResponse: a rule with the status its trigger records. */
export function ruleWithStatus(doc: RuleDocument, status: RuleStatus): Record<string, unknown> {
  const { namespace, name, trigger, action, version, publish, annotations, updated } = doc;
  return { namespace, name, status, trigger, action, version, publish, annotations, updated };
}
