/**
 * member-carryover.ts against kafkajs's own ConsumerGroup (the installed version): a group this
 * process joined gives a restarted ConsumerGroup its member id; nothing else changes. Fails if
 * kafkajs's internals no longer have the shape the module relies on.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  carriedMember,
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

  it('a new ConsumerGroup of a remembered group starts with its member id; others start with none', () => {
    installMemberCarryover();
    const owner = {};
    expect(newGroup('g-remembered').memberId).toBeNull();
    rememberMember(owner, 'g-remembered', 'member-1');
    expect(newGroup('g-remembered').memberId).toBe('member-1');
    expect(newGroup('g-other').memberId).toBeNull();
    // A later join (a rebalance gave a new id) is what the next restart carries.
    rememberMember(owner, 'g-remembered', 'member-2');
    expect(newGroup('g-remembered').memberId).toBe('member-2');
  });

  it('kafkajs clearing the id (UNKNOWN_MEMBER_ID, a leave) clears it: the member joins as new', () => {
    installMemberCarryover();
    rememberMember({}, 'g-cleared', 'member-1');
    const group = newGroup('g-cleared');
    group.memberId = null;
    expect(group.memberId).toBeNull();
    group.memberId = 'member-9'; // the coordinator's answer to the new join
    expect(group.memberId).toBe('member-9');
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
    expect(newGroup('g-stopped').memberId).toBeNull();

    rememberMember(first, 'g-shared', 'm1');
    rememberMember({}, 'g-shared', 'm2');
    expect(carriedMember('g-shared')).toBeUndefined();
    expect(newGroup('g-shared').memberId).toBeNull();
    rememberMember(first, 'g-shared', 'm3');
    expect(carriedMember('g-shared')).toBeUndefined();
  });
});
