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
 * constructor's `null`) takes the carried id when there is one.
 *
 * An id is carried only from a crash to the restart it announces, and once:
 * - `rememberMember` (a subscription's GROUP_JOIN) records the group's member id;
 * - `crashed` (its CRASH event with `restart: true`, emitted before kafkajs builds the new
 *   ConsumerGroup) arms it for the next ConsumerGroup of that group, which uses it up;
 * - a ConsumerGroup whose id kafkajs clears (its LeaveGroup went through, or the coordinator answered
 *   UNKNOWN_MEMBER_ID) drops the recorded id, so a dead id is never offered;
 * - `forgetMember` (the subscription stopped) ends it; a group two subscriptions of this process
 *   joined is `shared` and never carries (one could take the other's place).
 * An id the coordinator no longer knows is refused once (UNKNOWN_MEMBER_ID); kafkajs then clears it
 * and joins as a new member, which is the behaviour without this module.
 *
 * It reaches into kafkajs's internals (`src/consumer/consumerGroup.js`, checked at 2.2.4 by
 * test/unit/messaging/member-carryover.test.ts, which fails if the shape changes).
 */
import { createRequire } from 'node:module';

interface Carried {
  owner: object;
  memberId: string;
  /** Set by a crash; the next ConsumerGroup of the group takes the id and clears it. */
  armed: boolean;
}

const carried = new Map<string, Carried | 'shared'>();
const ownIds = new WeakMap<object, string | null>();
let installed = false;

interface ConsumerGroupLike {
  groupId?: unknown;
}

function entryOf(groupId: string): Carried | undefined {
  const entry = carried.get(groupId);
  return entry === 'shared' ? undefined : entry;
}

/** The id the next ConsumerGroup of `groupId` is to start with (using the arming up), if any. */
function takeArmed(groupId: string): string | null {
  const entry = entryOf(groupId);
  if (!entry?.armed) return null;
  entry.armed = false;
  return entry.memberId;
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
      const groupId = typeof this.groupId === 'string' ? this.groupId : undefined;
      if (groupId !== undefined && value === null) {
        if (!ownIds.has(this)) {
          // The constructor's `this.memberId = null` (it sets `groupId` first): a restart after a crash.
          value = takeArmed(groupId);
        } else {
          // kafkajs dropped the id (left the group, or the coordinator no longer knew it): dead.
          const dropped = ownIds.get(this);
          if (dropped && entryOf(groupId)?.memberId === dropped) carried.delete(groupId);
        }
      }
      ownIds.set(this, value);
    },
  });
  installed = true;
  return true;
}

/** `owner` (a subscription) joined `groupId` as `memberId`. */
export function rememberMember(owner: object, groupId: string, memberId: string): void {
  const entry = carried.get(groupId);
  if (entry === 'shared') return;
  carried.set(groupId, entry && entry.owner !== owner ? 'shared' : { owner, memberId, armed: false });
}

/** `owner`'s consumer crashed and kafkajs will restart it: the restart rejoins as the same member. */
export function crashed(owner: object, groupId: string): void {
  const entry = entryOf(groupId);
  if (entry?.owner === owner) entry.armed = true;
}

/** `owner` stopped (it left its group): a later consumer of the group joins as a new member. */
export function forgetMember(owner: object, groupId: string): void {
  if (entryOf(groupId)?.owner === owner) carried.delete(groupId);
}

/** For tests and logs: the member id recorded for `groupId`, armed or not. */
export function carriedMember(groupId: string): string | undefined {
  return entryOf(groupId)?.memberId;
}
