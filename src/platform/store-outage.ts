/**
 * How a process rides out a CouchDB outage (DECISIONS R25), wired in one place:
 *
 * - one StoreReachability per process, told by every cache load and every batch write;
 * - the stale-if-error caches over the store ports the invoke, fire and web paths read (identities
 *   with their namespace limits, actions, packages and bindings, triggers, rules): with CouchDB up a
 *   read goes through exactly as before; unreachable, the last good copy answers for at most
 *   PALETTE_STALE_IF_ERROR_SECONDS;
 * - one WriteBacklog bounding what the batch writers keep while CouchDB cannot take it
 *   (PALETTE_WRITE_QUEUE_MAX);
 * - their metrics: palette_store_unreachable, palette_store_stale_served_total{kind},
 *   palette_store_write_queue, palette_store_write_dropped_total.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { EntityCache, StoreReachability } from '../api/cache.js';
import type { ActionPort, PackagePort, RulePort, SubjectPort, TriggerPort } from '../api/ports.js';
import { isUnreachable, WriteBacklog } from '../store/index.js';
import type { Config } from './config.js';

/** The store-level identity freshness: with the API's own 5 s, a revoked key stops within 10 s. */
export const identityStoreTtlMs = 5_000;

export type CachedKind = 'identity' | 'owner' | 'action' | 'package' | 'trigger' | 'rule';

export interface StoreOutage {
  readonly reachability: StoreReachability;
  readonly backlog: WriteBacklog;
  /** A cache of `kind` documents: fresh for `ttlMs`, and stale-if-error when that is on. */
  cache<V>(kind: CachedKind, ttlMs: number): EntityCache<V>;
}

export function storeOutage(
  config: Pick<Config, 'staleIfErrorSeconds' | 'writeQueueMax'>,
  options: { logger?: Logger; registry?: Registry } = {},
): StoreOutage {
  const { logger, registry } = options;
  const registers = registry ? [registry] : [];
  const unreachable = new Gauge({
    name: 'palette_store_unreachable',
    help: '1 while CouchDB does not answer (connection refused or reset, timeout, 5xx), else 0',
    registers,
  });
  const staleServed = new Counter({
    name: 'palette_store_stale_served_total',
    help: 'Reads answered with the last good copy of a document because CouchDB was unreachable',
    labelNames: ['kind'],
    registers,
  });
  const queued = new Gauge({
    name: 'palette_store_write_queue',
    help: 'Documents (records, placements, colors) waiting to be written to CouchDB',
    registers,
  });
  const dropped = new Counter({
    name: 'palette_store_write_dropped_total',
    help: 'Documents refused because the write queue was at PALETTE_WRITE_QUEUE_MAX',
    registers,
  });

  const reachability = new StoreReachability();
  reachability.onChange((reachable) => {
    unreachable.set(reachable ? 0 : 1);
    if (reachable) logger?.warn('CouchDB answers again; reads are fresh again');
    else
      logger?.warn(
        { staleIfErrorSeconds: config.staleIfErrorSeconds },
        'CouchDB unreachable: serving documents already read from their last good copy, keeping writes',
      );
  });
  const backlog = new WriteBacklog(config.writeQueueMax, logger, {
    queued: (n) => queued.set(n),
    dropped: () => dropped.inc(),
  });
  const maxAgeMs = config.staleIfErrorSeconds * 1000;
  return {
    reachability,
    backlog,
    cache: <V>(kind: CachedKind, ttlMs: number) =>
      new EntityCache<V>(ttlMs, {
        ...(maxAgeMs > 0
          ? {
              staleIfError: {
                maxAgeMs,
                isUnreachable,
                reachability,
                onStaleServed: () => staleServed.inc({ kind }),
              },
            }
          : {}),
      }),
  };
}

/** Identities through a cache each: by key (the store-level 5 s) and by namespace (web owners). */
export function resilientSubjects(
  port: SubjectPort,
  outage: StoreOutage,
): SubjectPort & { invalidate(): void } {
  const byKey = outage.cache<NonNullable<Awaited<ReturnType<SubjectPort['identityByKey']>>>>(
    'identity',
    identityStoreTtlMs,
  );
  const byNamespace = outage.cache<NonNullable<Awaited<ReturnType<SubjectPort['identityByNamespace']>>>>(
    'owner',
    0,
  );
  return {
    identityByKey: (uuid, key) => byKey.load(`${uuid}:${key}`, () => port.identityByKey(uuid, key)),
    identityByNamespace: (namespace) =>
      byNamespace.load(namespace, () => port.identityByNamespace(namespace)),
    invalidate: () => {
      byKey.clear();
      byNamespace.clear();
    },
  };
}

interface EntityPortShape<D> {
  get(namespace: string, name: string): Promise<D | undefined>;
  put(doc: D): Promise<D>;
  delete(doc: D): Promise<void>;
}

/**
 * `get` through a stale-if-error cache (no freshness: with CouchDB up every read asks it, as before);
 * this replica's own writes drop the copy, so an outage never brings back what it replaced.
 */
function resilientEntities<D extends { namespace: string; name: string }, P extends EntityPortShape<D>>(
  port: P,
  cache: EntityCache<D>,
): P {
  const key = (namespace: string, name: string) => `${namespace}/${name}`;
  return {
    ...port,
    get: (namespace: string, name: string) =>
      cache.load(key(namespace, name), () => port.get(namespace, name)),
    put: async (doc: D) => {
      try {
        return await port.put(doc);
      } finally {
        cache.delete(key(doc.namespace, doc.name));
      }
    },
    delete: async (doc: D) => {
      try {
        await port.delete(doc);
      } finally {
        cache.delete(key(doc.namespace, doc.name));
      }
    },
  };
}

type DocOf<P> = P extends EntityPortShape<infer D> ? D : never;

export function resilientActions(port: ActionPort, outage: StoreOutage): ActionPort {
  return resilientEntities(port, outage.cache<DocOf<ActionPort>>('action', 0));
}

export function resilientPackages(port: PackagePort, outage: StoreOutage): PackagePort {
  return resilientEntities(port, outage.cache<DocOf<PackagePort>>('package', 0));
}

export function resilientTriggerRules(
  ports: { triggers: TriggerPort; rules: RulePort },
  outage: StoreOutage,
): { triggers: TriggerPort; rules: RulePort } {
  return {
    triggers: resilientEntities(ports.triggers, outage.cache<DocOf<TriggerPort>>('trigger', 0)),
    rules: resilientEntities(ports.rules, outage.cache<DocOf<RulePort>>('rule', 0)),
  };
}
