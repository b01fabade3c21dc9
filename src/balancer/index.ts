/**
 * The balancer's entry point: `createPolicy(name, options)` builds any policy by its configured
 * name (PALETTE_POLICY, PALETTE_BASELINE). Hashing policies (consistent-hash, bucket-hash,
 * least-assigned) come wrapped in bounded loads when `boundFactor` > 0; random, round-robin and
 * openwhisk-sharding ignore it (OpenWhisk's sharding has its own capacity rule).
 *
 * A new policy has no members: tell it the invoker ids with `setMembers` before `choose`
 * (LoadTracker.onMembersChanged does it whenever the invoker set changes).
 */
import { ColorTable } from './color-table.js';
import type { OrderedPolicy, RandomSource } from './common.js';
import { BoundedLoadsPolicy } from './policies/bounded-loads.js';
import { BucketHashPolicy } from './policies/bucket-hash.js';
import { ConsistentHashPolicy } from './policies/consistent-hash.js';
import { LeastAssignedPolicy } from './policies/least-assigned.js';
import { OpenWhiskShardingPolicy } from './policies/openwhisk-sharding.js';
import { PinnedPolicy } from './policies/pinned.js';
import { ReplicatedPolicy, type ReplicationOptions } from './policies/replicated.js';
import type { PinLookup } from './pins.js';
import { RandomPolicy } from './policies/random.js';
import { RoundRobinPolicy } from './policies/round-robin.js';
import { PooledPolicy, type PoolOptions } from './pools.js';
import { policyNames, type Policy, type PolicyName } from './types.js';

export interface PolicyOptions {
  /** Bounded-loads factor c (PALETTE_BOUND); 0 or absent: no bound. Must be 0 or >= 1. */
  readonly boundFactor?: number;
  /** In-flight activations an invoker may always hold under bounded loads (PALETTE_BOUND_FLOOR). */
  readonly boundFloor?: number;
  /** For random and round-robin picks and OpenWhisk's forced overload pick; default Math.random. */
  readonly random?: RandomSource;
  /** The least-assigned table, shared with its persistence; default a new empty table. */
  readonly colorTable?: ColorTable;
  /** OpenWhisk's managed-fraction for openwhisk-sharding; default 1 (all invokers). */
  readonly managedFraction?: number;
  /** Co-access plans' pins, consulted first under every policy (R8); absent: no pins. */
  readonly pins?: PinLookup;
  /** Hot-color replication (PALETTE_REPLICATION=on), hashing policies only; absent: off. */
  readonly replication?: ReplicationOptions;
}

/**
 * `createPolicy` inside OpenWhisk's managed/blackbox split and Palette's Node.js-only tag (pools.ts):
 * one instance per candidate set. Only the main one (managed actions, any invoker) shares the
 * least-assigned table given in `options`; the others keep their own in memory.
 */
export function createPooledPolicy(
  name: PolicyName,
  options: PolicyOptions,
  pools: PoolOptions,
): PooledPolicy {
  return new PooledPolicy(
    (pool) => createPolicy(name, pool === 0 ? options : { ...options, colorTable: undefined }),
    pools,
  );
}

export function isPolicyName(name: string): name is PolicyName {
  return (policyNames as readonly string[]).includes(name);
}

/**
 * The policy `name` with the wrappers the options ask for: pins first (any policy), then hot-color
 * replication over the pinned policy's order (hashing policies: random and round-robin have no
 * home to replicate).
 */
export function createPolicy(name: PolicyName, options: PolicyOptions = {}): Policy {
  let policy = basePolicy(name, options);
  if (options.pins) {
    policy = new PinnedPolicy(policy, options.pins, {
      boundFactor: options.boundFactor,
      boundFloor: options.boundFloor,
    });
  }
  if (options.replication && hashingPolicies.includes(name)) {
    policy = new ReplicatedPolicy(policy, {
      factor: options.boundFactor || undefined,
      floor: options.boundFloor,
      ...options.replication,
    });
  }
  return policy;
}

const hashingPolicies: readonly PolicyName[] = ['consistent-hash', 'bucket-hash', 'least-assigned'];

function basePolicy(name: PolicyName, options: PolicyOptions): Policy {
  const random = options.random ?? Math.random;
  const bounded = (policy: OrderedPolicy): Policy =>
    options.boundFactor
      ? new BoundedLoadsPolicy(policy, options.boundFactor, random, options.boundFloor ?? 0)
      : policy;
  switch (name) {
    case 'random':
      return new RandomPolicy(random);
    case 'round-robin':
      return new RoundRobinPolicy(random);
    case 'openwhisk-sharding':
      return new OpenWhiskShardingPolicy({ random, managedFraction: options.managedFraction });
    case 'consistent-hash':
      return bounded(new ConsistentHashPolicy({ random }));
    case 'bucket-hash':
      return bounded(new BucketHashPolicy({ random }));
    case 'least-assigned':
      return bounded(new LeastAssignedPolicy({ table: options.colorTable, random }));
    default: {
      const unknown: never = name;
      throw new RangeError(`unknown policy ${String(unknown)}; known: ${policyNames.join(', ')}`);
    }
  }
}

export { ColorTable } from './color-table.js';
export type { AssignmentReason, ColorAssignmentListener } from './color-table.js';
export { ColorError, COLOR_KEY, MAX_COLOR_LENGTH, resolveColor, validateColor } from './color.js';
export type { RandomSource } from './common.js';
export { invokerSlotMB, LoadTracker } from './load-tracker.js';
export { BoundedLoadsPolicy } from './policies/bounded-loads.js';
export { BucketHashPolicy } from './policies/bucket-hash.js';
export { ConsistentHashPolicy } from './policies/consistent-hash.js';
export { LeastAssignedPolicy } from './policies/least-assigned.js';
export { OpenWhiskShardingPolicy } from './policies/openwhisk-sharding.js';
export { PinnedPolicy } from './policies/pinned.js';
export { ReplicatedPolicy } from './policies/replicated.js';
export type { ReplicationOptions } from './policies/replicated.js';
export { PinTable } from './pins.js';
export type { PinLookup } from './pins.js';
export { RandomPolicy } from './policies/random.js';
export { RoundRobinPolicy } from './policies/round-robin.js';
export { PooledPolicy, splitPools, type PoolOptions, type PoolSplit } from './pools.js';
export * from './types.js';
