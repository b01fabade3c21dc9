/**
 * Sequence actions as OpenWhisk stores them (core/entity/Exec.scala SequenceExec): `exec` is
 * `{"kind": "sequence", "components": ["/ns/name", "/ns/pkg/name", ...]}`, each component a fully
 * qualified name with a leading slash; the document's parameters are `_actions` (the same list) and
 * its `exec` annotation is `sequence` (Actions.scala makeWhiskAction, amendAnnotations).
 *
 * Shared by the REST layer (create checks) and the controller (the runner), so it lives here.
 */
import { z } from 'zod';
import type { ActionDocument } from './action.js';
import type { KeyValue } from './primitives.js';

export const sequenceKind = 'sequence';

/** OpenWhisk's whisk.actionSequence.limit (actionSequenceLimit): atomic actions after inlining. */
export const actionSequenceLimit = 50;

/** OpenWhisk's messages for sequences (common/scala/.../http/ErrorResponse.scala Messages). */
export const sequenceMessages = {
  tooLong: 'Too many actions in the sequence.',
  noComponent: 'No component specified for the sequence.',
  cyclic: 'Sequence may not refer to itself.',
  componentNotFound: 'Sequence component does not exist.',
  retrieveTimeout: (activationId: string) =>
    `Timeout reached when retrieving activation ${activationId} for sequence component.`,
  failure: 'Sequence failed.',
  malformedName:
    'The fully qualified name of the entity must contain at least the namespace and the name of the entity.',
} as const;

export const sequenceExecSchema = z
  .object({ kind: z.literal(sequenceKind), components: z.array(z.string()) })
  .passthrough();
export type SequenceExec = z.infer<typeof sequenceExecSchema>;

/** A stored sequence action: the action document with a sequence `exec` instead of code. */
export interface SequenceActionDocument {
  _id: string;
  _rev?: string;
  entityType: 'action';
  updated: number;
  namespace: string;
  name: string;
  version: string;
  publish: boolean;
  exec: SequenceExec;
  parameters: KeyValue[];
  limits: ActionDocument['limits'];
  annotations: KeyValue[];
  [k: string]: unknown;
}

/** A fully qualified entity name (FullyQualifiedEntityName): `namespace` is the root namespace, `pkg` the package if any. */
export interface QualifiedName {
  namespace: string;
  pkg?: string;
  name: string;
}

/** `\A([\w]|[\w][\w@ .-]*[\w@.-]+)\z`, at most 256 characters (EntityName.scala). */
const entityNamePattern = /^(\w|\w[\w@ .-]*[\w@.-]+)$/;

function isEntityName(part: string): boolean {
  return part.length <= 256 && entityNamePattern.test(part);
}

export class MalformedNameError extends Error {
  override readonly name = 'MalformedNameError';
}

/**
 * EntityPath(name).toFullyQualifiedEntityName: empty segments are dropped (so the leading slash is
 * optional), every segment must be an entity name, at least namespace and name. More than three
 * segments cannot name an action (namespace, package, name), so they are refused here too.
 */
export function parseFullyQualifiedName(text: string): QualifiedName {
  const parts = text.split('/').filter((p) => p.length > 0);
  if (parts.length === 0) throw new MalformedNameError('path undefined');
  const bad = parts.find((p) => !isEntityName(p));
  if (bad !== undefined)
    throw new MalformedNameError(`path contains invalid parts List(${parts.join(', ')})`);
  if (parts.length < 2 || parts.length > 3) throw new MalformedNameError(sequenceMessages.malformedName);
  const [namespace, middle, last] = parts as [string, string, string | undefined];
  return last === undefined ? { namespace, name: middle } : { namespace, pkg: middle, name: last };
}

/** EntityPath.resolveNamespace: the default namespace `_` becomes the caller's. */
export function resolveDefaultNamespace(fqn: QualifiedName, userNamespace: string): QualifiedName {
  return fqn.namespace === '_' ? { ...fqn, namespace: userNamespace } : fqn;
}

/** qualifiedNameWithLeadingSlash: `/ns/name` or `/ns/pkg/name`. */
export function formatFullyQualifiedName(fqn: QualifiedName): string {
  return fqn.pkg === undefined ? `/${fqn.namespace}/${fqn.name}` : `/${fqn.namespace}/${fqn.pkg}/${fqn.name}`;
}

/** The name an action document answers to: its `namespace` field (which may hold the package) plus its name. */
export function fullyQualifiedNameOf(doc: Pick<ActionDocument, 'namespace' | 'name'>): QualifiedName {
  const [namespace = doc.namespace, pkg] = doc.namespace.split('/');
  return pkg === undefined ? { namespace, name: doc.name } : { namespace, pkg, name: doc.name };
}

export function sameName(a: QualifiedName, b: QualifiedName): boolean {
  return a.namespace === b.namespace && a.pkg === b.pkg && a.name === b.name;
}

/**
 * The components of a sequence action, or undefined for any other action. The store hands every
 * action out as an ActionDocument; this is where a sequence is told apart and checked.
 */
export function sequenceComponents(doc: { exec: { kind: string } }): QualifiedName[] | undefined {
  if (doc.exec.kind !== sequenceKind) return undefined;
  const parsed = sequenceExecSchema.safeParse(doc.exec);
  if (!parsed.success) return [];
  return parsed.data.components.map(parseFullyQualifiedName);
}

/** The action as a sequence document when its `exec` is a well-formed sequence; else undefined. */
export function asSequenceDocument(doc: ActionDocument): SequenceActionDocument | undefined {
  if (doc.exec.kind !== sequenceKind) return undefined;
  const parsed = sequenceExecSchema.safeParse(doc.exec);
  return parsed.success ? { ...doc, exec: parsed.data } : undefined;
}

/**
 * A sequence document travels through the ports that carry ActionDocuments (the whisks store, the
 * invoke path's cache). Its `exec` has no code, which only the invoker reads, and the invoker never
 * receives a sequence: the controller runs it.
 */
export function asActionDocument(doc: SequenceActionDocument): ActionDocument {
  return doc as unknown as ActionDocument;
}
