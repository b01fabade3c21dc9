/**
 * member-carryover.ts against kafkajs's own ConsumerGroup (the installed version): after a crash, the
 * ConsumerGroup kafkajs builds for the restart starts with the member id the group last gave this
 * subscription; nothing else starts with a carried id. Fails if kafkajs's internals no longer have
 * the shape the module relies on.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  carriedMember,
  crashed,
  forgetMember,
  installMemberCarryover,
  rememberMember,
} from '../../../src/messaging/member-carryover.js';

const require = createRequire(import.meta.url);
const ConsumerGroup = require('kafkajs/src/consumer/consumerGroup.js') as new (options: object) => {
  memberId: string | null;
};
const silent = { namespace: () => ({ debug() {}, info() {}, warn() {}, error() {} }) };
/** A ConsumerGroup as kafkajs's consumer builds one on every (re)start. */
const newGroup = (groupId: string) => new ConsumerGroup({ cluster: {}, groupId, logger: silent, retry: {} });

describe('member carryover', () => {
  it('installs on this kafkajs, once', () => {
    expect(installMemberCarryover()).toBe(true);
    expect(installMemberCarryover()).toBe(true);
  });

  it('the restart after a crash starts with the member id, once; nothing else does', () => {
    installMemberCarryover();
    const owner = {};
    rememberMember(owner, 'g-crash', 'member-1');
    // Joined but not crashed: a new ConsumerGroup of the group (another consumer) starts as new.
    expect(newGroup('g-crash').memberId).toBeNull();
    crashed(owner, 'g-crash');
    expect(newGroup('g-crash').memberId).toBe('member-1');
    // Used up: a further ConsumerGroup is new unless another crash arms it again.
    expect(newGroup('g-crash').memberId).toBeNull();
    crashed(owner, 'g-crash');
    expect(newGroup('g-crash').memberId).toBe('member-1');
    expect(newGroup('g-other').memberId).toBeNull();
    // Another subscription's crash does not arm this one's id.
    crashed({}, 'g-crash');
    expect(newGroup('g-crash').memberId).toBeNull();
  });

  it('a later join (a rebalance) is what the next restart carries', () => {
    installMemberCarryover();
    const owner = {};
    rememberMember(owner, 'g-rejoin', 'member-1');
    rememberMember(owner, 'g-rejoin', 'member-2');
    crashed(owner, 'g-rejoin');
    expect(newGroup('g-rejoin').memberId).toBe('member-2');
  });

  it('an id kafkajs clears (a LeaveGroup that went through, UNKNOWN_MEMBER_ID) is never offered again', () => {
    installMemberCarryover();
    const owner = {};
    rememberMember(owner, 'g-cleared', 'member-1');
    crashed(owner, 'g-cleared');
    const restarted = newGroup('g-cleared');
    expect(restarted.memberId).toBe('member-1');
    restarted.memberId = null; // the coordinator no longer knew it
    expect(restarted.memberId).toBeNull();
    expect(carriedMember('g-cleared')).toBeUndefined();
    crashed(owner, 'g-cleared');
    expect(newGroup('g-cleared').memberId).toBeNull();
    restarted.memberId = 'member-9'; // its join as a new member
    expect(restarted.memberId).toBe('member-9');
  });

  it('each instance keeps its own id', () => {
    installMemberCarryover();
    const a = newGroup('g-a');
    const b = newGroup('g-b');
    a.memberId = 'a-1';
    expect(b.memberId).toBeNull();
    expect(a.memberId).toBe('a-1');
  });

  it('a stopped subscription forgets; a group two subscriptions joined carries nothing', () => {
    installMemberCarryover();
    const first = {};
    rememberMember(first, 'g-stopped', 'm');
    forgetMember({}, 'g-stopped'); // not the owner: no effect
    expect(carriedMember('g-stopped')).toBe('m');
    forgetMember(first, 'g-stopped');
    expect(carriedMember('g-stopped')).toBeUndefined();
    crashed(first, 'g-stopped');
    expect(newGroup('g-stopped').memberId).toBeNull();

    rememberMember(first, 'g-shared', 'm1');
    rememberMember({}, 'g-shared', 'm2');
    crashed(first, 'g-shared');
    expect(carriedMember('g-shared')).toBeUndefined();
    expect(newGroup('g-shared').memberId).toBeNull();
    rememberMember(first, 'g-shared', 'm3');
    expect(carriedMember('g-shared')).toBeUndefined();
  });
});
