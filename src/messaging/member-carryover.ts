/**
 * Rejoining as the same group member after a crash (a broker restart).
 *
 * When the broker goes away, kafkajs's consumer crashes, and on restart it builds a new
 * ConsumerGroup that has forgotten its member id. A restarted broker still lists the old member
 * (group metadata is persisted), so the new member's JoinGroup waits until the old one's session
 * runs out: every consumer (the controller's health and completion groups, each invoker's) came back
 * 10 s after the broker did, all at the same instant (measured in the broker-outage fault test). A
 * JoinGroup that carries the old member id is that member rejoining, which the coordinator answers at
 * once. Java clients get this from static membership (`group.instance.id`); kafkajs has none, so the
 * id is carried over here: ConsumerGroup's `memberId` becomes an accessor whose first assignment (the
 * constructor's `null`) takes the id last learnt for that group in this process, if any.
 *
 * Only groups whose join this module was told about (`remember`, from a subscription's GROUP_JOIN)
 * are affected, and `forget` (a subscription that stopped and left its group) ends it. An id the
 * coordinator no longer knows is answered UNKNOWN_MEMBER_ID, on which kafkajs clears it and joins
 * as a new member: the behaviour without this module.
 *
 * It reaches into kafkajs's internals (`src/consumer/consumerGroup.js`, checked at 2.2.4 by
 * test/unit/messaging/member-carryover.test.ts, which fails if the shape changes).
 */
import { createRequire } from 'node:module';

/**
 * The member id last learnt per group id, with the subscription that learnt it. A group two
 * subscriptions of this process joined is `shared`: neither carries an id over (one could take the
 * other's place).
 */
const carried = new Map<string, { owner: object; memberId: string } | 'shared'>();
const ownIds = new WeakMap<object, string | null>();
let installed = false;

interface ConsumerGroupLike {
  groupId?: unknown;
}

/** Installs the accessor once (idempotent); returns whether kafkajs had the expected shape. */
export function installMemberCarryover(): boolean {
  if (installed) return true;
  const require = createRequire(import.meta.url);
  let ConsumerGroup: unknown;
  try {
    ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js');
  } catch {
    return false;
  }
  if (
    typeof ConsumerGroup !== 'function' ||
    Object.getOwnPropertyDescriptor(ConsumerGroup.prototype, 'memberId')
  )
    return false;
  Object.defineProperty(ConsumerGroup.prototype, 'memberId', {
    configurable: true,
    get(this: ConsumerGroupLike): string | null {
      return ownIds.get(this) ?? null;
    },
    set(this: ConsumerGroupLike, value: string | null) {
      // The constructor's `this.memberId = null` comes after `this.groupId = groupId`.
      if (value === null && !ownIds.has(this) && typeof this.groupId === 'string') {
        value = carriedMember(this.groupId) ?? null;
      }
      ownIds.set(this, value);
    },
  });
  installed = true;
  return true;
}

/** `owner` (a subscription) joined `groupId` as `memberId`: a restart after a crash rejoins as it. */
export function rememberMember(owner: object, groupId: string, memberId: string): void {
  const entry = carried.get(groupId);
  if (entry === 'shared') return;
  carried.set(groupId, entry && entry.owner !== owner ? 'shared' : { owner, memberId });
}

/** `owner` stopped (it left its group): a later consumer of the group joins as a new member. */
export function forgetMember(owner: object, groupId: string): void {
  const entry = carried.get(groupId);
  if (entry !== undefined && entry !== 'shared' && entry.owner === owner) carried.delete(groupId);
}

/** The id a new ConsumerGroup of `groupId` starts with, if any. */
export function carriedMember(groupId: string): string | undefined {
  const entry = carried.get(groupId);
  return entry === undefined || entry === 'shared' ? undefined : entry.memberId;
}
