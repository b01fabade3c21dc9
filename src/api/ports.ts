/**
 * What the REST layer needs from the stores, as narrow ports. src/store's classes satisfy them (see
 * src/platform/api-adapters.ts); unit tests use in-memory fakes. Every method answers `undefined`
 * for "not there" rather than throwing, so the API maps absence to 404 without inspecting store
 * errors.
 */
import type {
  ActionDocument,
  ActionMeta,
  ActivationBrief,
  ActivationDocument,
  Identity,
} from '../protocol/index.js';
import type { PackageDocument, PackageSummary } from './package-doc.js';
import type { Placement } from '../controller/types.js';
import type { RuleDocument, TriggerDocument } from './trigger-rule-doc.js';

/**
 * An action in a package or binding as the caller sees it (`ns/pkg` + `name`): access checked,
 * bindings followed, parameters merged package < binding < action; undefined when there is none.
 * Throws the API's own 403/404 (package-access.ts implements it).
 */
export type PackagedActionLookup = (
  identity: Identity,
  namespace: string,
  pkg: string,
  name: string,
) => Promise<ActionDocument | undefined>;

export interface SubjectPort {
  /** The identity owning `uuid:key`, or undefined when no (unblocked) subject has it. */
  identityByKey(uuid: string, key: string): Promise<Identity | undefined>;
  /** The identity owning the namespace (web actions run as their owner), or undefined. */
  identityByNamespace(namespace: string): Promise<Identity | undefined>;
}

/**
 * How many activations the controller has in flight for a namespace (OpenWhisk's
 * LoadBalancer.activeActivationsFor): the concurrent-invocations limit compares with it.
 */
export interface InFlightCountPort {
  activeActivationsFor(namespace: string): number;
}

export interface PageQuery {
  limit: number;
  skip: number;
}

export interface ActionPort {
  get(namespace: string, name: string): Promise<ActionDocument | undefined>;
  /** Writes the document (create when `_rev` is absent); answers it with its new `_rev`. A stale `_rev` throws a 409. */
  put(doc: ActionDocument): Promise<ActionDocument>;
  /** Deletes the given revision; a stale `_rev` throws a 409. */
  delete(doc: ActionDocument): Promise<void>;
  /** Newest `updated` first. */
  list(namespace: string, page: PageQuery): Promise<ActionMeta[]>;
  count(namespace: string): Promise<number>;
}

export interface ActivationQuery extends PageQuery {
  /** `action` or `pkg/action` (OpenWhisk's whisks-filters view). */
  name?: string;
  /** Inclusive epoch-ms bounds on `start`. */
  since?: number;
  upto?: number;
}

export interface ActivationPort {
  get(namespace: string, activationId: string): Promise<ActivationDocument | undefined>;
  /** Several records by id (missing ones left out), in no particular order. */
  getMany(namespace: string, activationIds: readonly string[]): Promise<ActivationDocument[]>;
  /** Briefs, newest `start` first. */
  list(namespace: string, query: ActivationQuery): Promise<ActivationBrief[]>;
  /** Full records, newest `start` first. */
  listDocs(namespace: string, query: ActivationQuery): Promise<ActivationDocument[]>;
  count(namespace: string, query: Omit<ActivationQuery, 'limit' | 'skip'>): Promise<number>;
}

/** What the activations API shows of a placement record (DECISIONS "Placement records"). */
export interface PlacementInfo {
  color?: string;
  policy: string;
  /** Absent for sequences and triggers (the controller runs them; R7). */
  invoker?: number;
  home?: number;
  /** R7: `home|spilled|forced|replica|planned`, and the invokers passed over (absent on older records). */
  reason?: string;
  hops?: number;
}

export interface PlacementPort {
  /** Placement records by activation id (missing ones left out). */
  getMany(activationIds: readonly string[]): Promise<Map<string, PlacementInfo>>;
  /** Activation ids placed with `color` in `namespace`, newest decision first; `upto` bounds the decision time. */
  idsByColor(namespace: string, color: string, query: PageQuery & { upto?: number }): Promise<string[]>;
}

export interface PackagePort {
  /** The package or binding; throws an error named DocumentTypeMismatchError when the id is another entity. */
  get(namespace: string, name: string): Promise<PackageDocument | undefined>;
  /** Creates (no `_rev`) or replaces that revision; a conflict throws with `statusCode: 409`. */
  put(doc: PackageDocument): Promise<PackageDocument>;
  /** Deletes the given revision; a stale `_rev` throws a 409. */
  delete(doc: PackageDocument): Promise<void>;
  /** Newest `updated` first; `publicOnly`: published packages only (what other namespaces see). */
  list(namespace: string, query: PageQuery & { publicOnly: boolean }): Promise<PackageSummary[]>;
  count(namespace: string, publicOnly: boolean): Promise<number>;
}

/** A trigger or rule summary as OpenWhisk's `triggers` and `rules` views give it. */
export interface EntitySummary {
  namespace: string;
  name: string;
  version: string;
  publish: boolean;
  annotations: unknown[];
  updated: number;
}

/**
 * Triggers or rules in the whisks database. `get` throws an error named DocumentTypeMismatchError
 * when the id holds another kind of entity; `put` (create without `_rev`, else replace that
 * revision) and `delete` throw with `statusCode: 409` when another writer got there first.
 */
export interface WhiskEntityPort<D> {
  get(namespace: string, name: string): Promise<D | undefined>;
  put(doc: D): Promise<D>;
  delete(doc: D): Promise<void>;
  /** Newest `updated` first. */
  list(namespace: string, page: PageQuery): Promise<EntitySummary[]>;
  /** Full documents, newest `updated` first. */
  listDocs(namespace: string, page: PageQuery): Promise<D[]>;
  count(namespace: string): Promise<number>;
}

export type TriggerPort = WhiskEntityPort<TriggerDocument>;
export type RulePort = WhiskEntityPort<RuleDocument>;

/** What a trigger fire writes itself (the controller's own records, R7): create-only, batched. */
export interface FireRecordPort {
  /** The trigger's activation record; resolves when stored (never rejects: failures are logged). */
  recordActivation(
    record: Record<string, unknown> & { namespace: string; activationId: string },
  ): Promise<void>;
  /** Resolves when stored, so the record (written after it) is never read without it. */
  recordPlacement(placement: Placement): Promise<void>;
}
