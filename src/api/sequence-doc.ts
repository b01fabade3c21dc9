/**
 * Creating and updating a sequence action (`exec.kind: "sequence"`), as OpenWhisk's Actions.scala:
 * - components are fully qualified names; `_` as namespace is the caller's (WhiskActionPut.resolve);
 * - stored as `exec: {kind: "sequence", components: ["/ns/[pkg/]name", ...]}` with the parameters
 *   `_actions` (the same list; makeWhiskAction) and the `exec: sequence` annotation;
 * - refused with a 400 and nothing written (checkSequenceActionLimits): no component, more than 50
 *   components, more than 50 atomic actions once nested sequences are inlined, a component that
 *   does not exist, a sequence that would contain itself. A component the caller may not read is
 *   a 403 (entitleReferencedEntities).
 */
import type { ComponentResolver } from '../controller/sequence-ports.js';
import {
  actionSequenceLimit,
  asSequenceDocument,
  formatFullyQualifiedName,
  fullyQualifiedNameOf,
  MalformedNameError,
  parseFullyQualifiedName,
  resolveDefaultNamespace,
  sameName,
  sequenceKind,
  sequenceMessages,
  type ActionDocument,
  type Identity,
  type KeyValue,
  type QualifiedName,
} from '../protocol/index.js';
import { ApiError, badRequest, messages } from './errors.js';

/** The part of an ActionPut this module reads (kept structural so action-doc.ts can call it). */
export interface ExecPut {
  kind: string;
  [k: string]: unknown;
}

export function isSequenceExecPut(exec: ExecPut | undefined): boolean {
  return exec?.kind === sequenceKind;
}

function malformed(detail: string): ApiError {
  return badRequest(`The request content was malformed: exec.components: ${detail}`);
}

/** The components of a sequence exec, parsed and with `_` resolved to the caller's namespace. */
export function sequenceComponentsOf(exec: ExecPut, userNamespace: string): QualifiedName[] {
  const raw = exec.components;
  if (raw === undefined) malformedThrow("'components' must be defined for sequence kind");
  if (!Array.isArray(raw)) malformedThrow("'components' must be an array");
  return (raw as unknown[]).map((c) => {
    if (typeof c !== 'string') throw malformed('fully qualified name malformed');
    try {
      return resolveDefaultNamespace(parseFullyQualifiedName(c), userNamespace);
    } catch (err) {
      if (err instanceof MalformedNameError) throw malformed(err.message);
      throw err;
    }
  });
}

function malformedThrow(detail: string): never {
  throw malformed(detail);
}

/**
 * WhiskActionPut.resolve: a sequence's components with `_` replaced by the caller's namespace,
 * written back as fully qualified names. Any other put is returned as it is.
 */
export function resolveSequencePut<P extends { exec?: ExecPut | undefined }>(put: P, user: Identity): P {
  if (!put.exec || !isSequenceExecPut(put.exec)) return put;
  const components = sequenceComponentsOf(put.exec, user.namespace.name).map(formatFullyQualifiedName);
  return { ...put, exec: { ...put.exec, components } };
}

/** The create/update checks for a put whose exec is a sequence; nothing for any other put. */
export async function checkSequencePut(
  put: { exec?: ExecPut | undefined },
  target: QualifiedName,
  user: Identity,
  resolver: ComponentResolver,
): Promise<void> {
  if (!put.exec || !isSequenceExecPut(put.exec)) return;
  await checkSequence(target, sequenceComponentsOf(put.exec, user.namespace.name), user, resolver);
}

/** The stored `exec` of a sequence with these components (Exec.scala's writer: leading slashes). */
export function sequenceExec(components: readonly QualifiedName[]): ActionDocument['exec'] {
  const exec = { kind: sequenceKind, components: components.map(formatFullyQualifiedName) };
  // A sequence's exec has no code; ActionDocument types the code exec the invoker reads, and the
  // invoker never receives a sequence (the controller runs it).
  return exec as unknown as ActionDocument['exec'];
}

/** makeWhiskAction's parameters for a sequence: `_actions`, the components with leading slashes. */
export function sequenceParameters(components: readonly QualifiedName[]): KeyValue[] {
  return [{ key: '_actions', value: components.map(formatFullyQualifiedName) }];
}

/**
 * checkSequenceActionLimits for `target` (the sequence being written) with these components.
 * Throws ApiError 400 (too long, empty, cyclic, missing component) or 403 (not readable).
 */
export async function checkSequence(
  target: QualifiedName,
  components: readonly QualifiedName[],
  user: Identity,
  resolver: ComponentResolver,
  limit = actionSequenceLimit,
): Promise<void> {
  if (components.length > limit) throw badRequest(sequenceMessages.tooLong);
  if (components.length === 0) throw badRequest(sequenceMessages.noComponent);
  const count = await countAtomicActions(target, components, user, resolver, limit, 0);
  if (count > limit) throw badRequest(sequenceMessages.tooLong);
}

/**
 * countAtomicActionsAndCheckCycle: inlines nested sequences, fails on a reference back to `target`.
 * Depth is bounded by the limit too, so a cycle among other sequences cannot loop forever.
 */
async function countAtomicActions(
  target: QualifiedName,
  components: readonly QualifiedName[],
  user: Identity,
  resolver: ComponentResolver,
  limit: number,
  depth: number,
): Promise<number> {
  if (components.length > limit || depth > limit) throw badRequest(sequenceMessages.tooLong);
  const counts = await Promise.all(
    components.map(async (component) => {
      if (sameName(component, target)) throw badRequest(sequenceMessages.cyclic);
      const resolved = await resolver.resolve(component, user);
      if (resolved.kind === 'forbidden') throw new ApiError(403, messages.notAuthorized);
      if (resolved.kind === 'missing') throw badRequest(sequenceMessages.componentNotFound);
      // A component reached through a binding resolves to the action it names.
      if (sameName(fullyQualifiedNameOf(resolved.action), target)) throw badRequest(sequenceMessages.cyclic);
      const inner = asSequenceDocument(resolved.action);
      if (!inner) return 1;
      const innerComponents = inner.exec.components.map((c) =>
        resolveDefaultNamespace(parseFullyQualifiedName(c), user.namespace.name),
      );
      return countAtomicActions(target, innerComponents, user, resolver, limit, depth + 1);
    }),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}
