/**
 * Packages and bindings as OpenWhisk's Packages.scala and WhiskPackage.scala make them, as pure
 * functions: the `WhiskPackagePut` body, the document a create or update writes, the REST form, and
 * parameter merging across package, binding, action and invocation (later layers win).
 */
import { z } from 'zod';
import {
  keyValuesSchema,
  semVerSchema,
  type BindingRef,
  type KeyValue,
  type PackageDocument,
  type PackageSummary,
} from '../protocol/index.js';
import { checkEntityName, upPatch } from './action-doc.js';
import { ApiError, badRequest } from './errors.js';

export type { BindingRef, PackageDocument, PackageSummary } from '../protocol/index.js';

export const packageMessages = {
  bindingDoesNotExist: 'Binding references a package that does not exist.',
  packageCannotBecomeBinding: 'Resource is a package and cannot be converted into a binding.',
  bindingCannotReferenceBinding: 'Cannot bind to another package binding.',
  requestedBindingIsNotValid: 'Cannot bind to a resource that is not a package.',
  notAllowedOnBinding: 'Operation not permitted on package binding.',
  conformance: 'Resource by this name exists but is not in this collection.',
  reserved: (name: string) => `Package name '${name}' is reserved.`,
  circular: (name: string) => `Package binding '${name}' contains a circular reference.`,
  notAuthorizedOn: (fqname: string) => `The supplied authentication is not authorized to access '${fqname}'.`,
  notEmpty: (count: number) =>
    `Package not empty (contains ${count} ${count === 1 ? 'entity' : 'entities'}). Set force param or delete package contents.`,
} as const;

/** Packages.RESERVED_NAMES. */
export const reservedPackageNames: ReadonlySet<string> = new Set(['default']);

/** `{}` is "no binding" (Binding.optionalBindingDeserializer); otherwise both names are required. */
const bindingPutSchema = z
  .object({ namespace: z.string().optional(), name: z.string().optional() })
  .passthrough()
  .refine(
    (b) => Object.keys(b).length === 0 || (b.namespace !== undefined && b.name !== undefined),
    'a binding is {} or names both the namespace and the name of a package',
  );

export const packagePutSchema = z
  .object({
    binding: bindingPutSchema.optional(),
    parameters: keyValuesSchema.optional(),
    version: semVerSchema.optional(),
    publish: z.boolean().optional(),
    annotations: keyValuesSchema.optional(),
  })
  .passthrough();

export interface PackagePut {
  binding?: BindingRef;
  parameters?: KeyValue[];
  version?: string;
  publish?: boolean;
  annotations?: KeyValue[];
}

/** Parses a PUT body; `callerNamespace` resolves a binding to `_` (WhiskPackagePut.resolve). */
export function parsePackagePut(body: unknown, callerNamespace: string): PackagePut {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The request content was malformed: the package must be a JSON object.');
  }
  const parsed = packagePutSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest(
      `The request content was malformed: ${issue.path.join('.') || 'body'}: ${issue.message}`,
    );
  }
  const { binding, parameters, version, publish, annotations } = parsed.data;
  const put: PackagePut = {};
  if (binding?.namespace !== undefined && binding.name !== undefined) {
    const ref = {
      namespace: binding.namespace === '_' ? callerNamespace : binding.namespace,
      name: binding.name,
    };
    checkEntityName(ref.namespace);
    checkEntityName(ref.name);
    put.binding = ref;
  }
  if (parameters) put.parameters = parameters;
  if (version !== undefined) put.version = version;
  if (publish !== undefined) put.publish = publish;
  if (annotations) put.annotations = annotations;
  return put;
}

export function bindingOf(doc: Pick<PackageDocument, 'binding'>): BindingRef | undefined {
  const b = doc.binding as Partial<BindingRef> | undefined;
  return b && typeof b.namespace === 'string' && typeof b.name === 'string'
    ? { namespace: b.namespace, name: b.name }
    : undefined;
}

export function packageDocId(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The controller owns the `binding` annotation: whatever a PUT says, it mirrors the binding. */
function withBindingAnnotation(
  annotations: readonly KeyValue[],
  binding: BindingRef | undefined,
): KeyValue[] {
  const kept = annotations.filter((a) => a.key !== 'binding');
  return binding
    ? [...kept, { key: 'binding', value: { namespace: binding.namespace, name: binding.name } }]
    : kept;
}

export function createPackageDocument(
  namespace: string,
  name: string,
  put: PackagePut,
  now: number,
): PackageDocument {
  return {
    _id: packageDocId(namespace, name),
    entityType: 'package',
    namespace,
    name,
    binding: put.binding ? { ...put.binding } : {},
    parameters: put.parameters ?? [],
    version: put.version ?? '0.0.1',
    publish: put.publish ?? false,
    annotations: withBindingAnnotation(put.annotations ?? [], put.binding),
    updated: now,
  };
}

/** Packages.update: given fields replace old ones (annotations too); a package cannot become a binding. */
export function updatePackageDocument(old: PackageDocument, put: PackagePut, now: number): PackageDocument {
  const oldBinding = bindingOf(old);
  if (put.binding && !oldBinding) throw new ApiError(409, packageMessages.packageCannotBecomeBinding);
  const binding = put.binding ?? oldBinding;
  return {
    ...old,
    binding: binding ? { ...binding } : {},
    parameters: put.parameters ?? old.parameters,
    version: put.version ?? upPatch(old.version),
    publish: put.publish ?? old.publish,
    annotations: withBindingAnnotation(put.annotations ?? old.annotations, binding),
    updated: now,
  };
}

/** The REST form (WhiskPackage.serdes): the document without its CouchDB envelope. */
export function packageJson(doc: PackageDocument): Record<string, unknown> {
  const { _id, _rev, entityType, ...fields } = doc;
  void _id;
  void _rev;
  void entityType;
  return fields;
}

export function packageSummary(doc: PackageDocument): PackageSummary {
  return {
    namespace: doc.namespace,
    name: doc.name,
    version: doc.version,
    publish: doc.publish,
    annotations: doc.annotations,
    updated: doc.updated,
    binding: bindingOf(doc) ?? false,
  };
}

/**
 * Parameters `a ++ b ++ ...` (Parameters.++): a key in a later layer replaces the same key of an
 * earlier one and keeps the earlier position. The invoke order is package < binding < action.
 */
export function mergeParameters(...layers: readonly (readonly KeyValue[])[]): KeyValue[] {
  const merged = new Map<string, KeyValue>();
  for (const layer of layers) for (const kv of layer) merged.set(kv.key, kv);
  return [...merged.values()];
}

/** A package's entries as `wsk package get` shows them: actions, and feeds (those annotated `feed`). */
export function withPackageActions(
  pkg: Record<string, unknown>,
  actions: readonly { name: string; version: string; annotations: KeyValue[] }[],
): Record<string, unknown> {
  const entries = actions.map((a) => ({ name: a.name, version: a.version, annotations: a.annotations }));
  const isFeed = (a: { annotations: KeyValue[] }) => a.annotations.some((kv) => kv.key === 'feed');
  return { ...pkg, actions: entries.filter((a) => !isFeed(a)), feeds: entries.filter(isFeed) };
}
