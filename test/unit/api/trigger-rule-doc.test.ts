/** Trigger and rule documents: names, creation and update, the trigger's rules map, statuses. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/api/errors.js';
import {
  createRuleDocument,
  createTriggerDocument,
  parseBody,
  parseEntityRef,
  parseStatusRequest,
  ruleJson,
  rulePutSchema,
  ruleStatusIn,
  ruleTargetOf,
  ruleWithStatus,
  triggerJson,
  triggerPutSchema,
  updateRuleDocument,
  updateTriggerDocument,
  withoutRule,
  withRule,
  type TriggerDocument,
} from '../../../src/api/trigger-rule-doc.js';

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
  return undefined;
}

describe('parseEntityRef (FullyQualifiedEntityName read and resolved)', () => {
  it('reads strings with and without a leading slash, and packages', () => {
    expect(parseEntityRef('/_/t', 'guest')).toEqual({ path: 'guest', name: 't' });
    expect(parseEntityRef('/guest/t', 'guest')).toEqual({ path: 'guest', name: 't' });
    expect(parseEntityRef('other/t', 'guest')).toEqual({ path: 'other', name: 't' });
    expect(parseEntityRef('/whisk.system/utils/echo', 'guest')).toEqual({
      path: 'whisk.system/utils',
      name: 'echo',
    });
    expect(parseEntityRef('/_/pkg/a', 'guest')).toEqual({ path: 'guest/pkg', name: 'a' });
  });

  it('reads the stored object form and resolves `_`', () => {
    expect(parseEntityRef({ path: '_', name: 'a' }, 'guest')).toEqual({ path: 'guest', name: 'a' });
    expect(parseEntityRef({ path: 'ns/pkg', name: 'a', version: '0.0.1' }, 'guest')).toEqual({
      path: 'ns/pkg',
      name: 'a',
    });
  });

  it('refuses a bare name, bad characters and non-names with 400', () => {
    for (const bad of ['t', '/t', '', '/_/t$', '/_/ t', 5, null, [], { name: 'x' }, { path: 'a' }]) {
      expect(status(() => parseEntityRef(bad, 'guest'))).toBe(400);
    }
  });

  it('never answers a path with an empty segment or `_` at its root', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,8}$/).filter((s) => /\w$/.test(s));
    fc.assert(
      fc.property(fc.array(part, { minLength: 2, maxLength: 4 }), fc.boolean(), (parts, slash) => {
        const ref = parseEntityRef((slash ? '/' : '') + parts.join('/'), 'me');
        expect(ref.name).toBe(parts[parts.length - 1]);
        expect(ref.path.split('/')).not.toContain('');
        expect(ref.path.split('/')[0]).toBe(parts[0] === '_' ? 'me' : parts[0]);
      }),
    );
  });
});

describe('trigger documents', () => {
  const put = parseBody(triggerPutSchema, { parameters: [{ key: 'a', value: 1 }], extra: true }, 'trigger');

  it('creates as OpenWhisk does: 0.0.1, empty limits, no rules map', () => {
    const doc = createTriggerDocument('guest', 't', put, 10);
    expect(doc).toEqual({
      _id: 'guest/t',
      entityType: 'trigger',
      namespace: 'guest',
      name: 't',
      parameters: [{ key: 'a', value: 1 }],
      limits: {},
      version: '0.0.1',
      publish: false,
      annotations: [],
      updated: 10,
    });
    expect(triggerJson(doc)).not.toHaveProperty('_id');
  });

  it('updates given fields, bumps the patch version and keeps the rules map', () => {
    const old = withRule(createTriggerDocument('guest', 't', put, 10), 'guest/r', {
      action: { path: 'guest', name: 'a' },
      status: 'active',
    });
    const doc = updateTriggerDocument(
      { ...old, _rev: '1-a' },
      { annotations: [{ key: 'k', value: 'v' }] },
      20,
    );
    expect(doc.version).toBe('0.0.2');
    expect(doc.parameters).toEqual(old.parameters);
    expect(doc.annotations).toEqual([{ key: 'k', value: 'v' }]);
    expect(doc.rules).toEqual(old.rules);
    expect(doc._rev).toBe('1-a');
  });

  it('stores a valid feed annotation untouched and refuses an invalid one with 400', () => {
    const feed = createTriggerDocument(
      'guest',
      't',
      { annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }] },
      1,
    );
    expect(feed.annotations).toEqual([{ key: 'feed', value: '/whisk.system/alarms/alarm' }]);
    for (const bad of ['', '/', 'a b$', 5, null]) {
      expect(
        status(() => createTriggerDocument('guest', 't', { annotations: [{ key: 'feed', value: bad }] }, 1)),
      ).toBe(400);
    }
  });

  it('refuses malformed bodies with 400', () => {
    for (const bad of [
      [],
      'x',
      3,
      null,
      { parameters: 'x' },
      { parameters: [{ value: 1 }] },
      { version: 'one' },
      { publish: 'yes' },
      { limits: 5 },
    ]) {
      expect(status(() => parseBody(triggerPutSchema, bad, 'trigger'))).toBe(400);
    }
  });
});

describe('rule documents', () => {
  it('needs both a trigger and an action on create, and keeps the old ones on update', () => {
    expect(status(() => ruleTargetOf({ trigger: '/_/t' }, 'guest'))).toBe(400);
    expect(status(() => ruleTargetOf({ action: '/_/a' }, 'guest'))).toBe(400);
    const target = ruleTargetOf({ trigger: '/_/t', action: '/_/a' }, 'guest');
    const rule = createRuleDocument('guest', 'r', {}, target, 5);
    expect(rule).toMatchObject({
      _id: 'guest/r',
      entityType: 'rule',
      trigger: { path: 'guest', name: 't' },
      action: { path: 'guest', name: 'a' },
      version: '0.0.1',
    });
    const changed = ruleTargetOf({ action: '/_/b' }, 'guest', rule);
    expect(changed).toEqual({ trigger: { path: 'guest', name: 't' }, action: { path: 'guest', name: 'b' } });
    const updated = updateRuleDocument(rule, {}, changed, 6);
    expect(updated.version).toBe('0.0.2');
    expect(updated.action).toEqual({ path: 'guest', name: 'b' });
  });

  it('answers with status (WhiskRuleResponse) or without (listing)', () => {
    const rule = createRuleDocument(
      'guest',
      'r',
      {},
      ruleTargetOf({ trigger: '/_/t', action: '/_/a' }, 'guest'),
      5,
    );
    expect(Object.keys(ruleWithStatus(rule, 'active'))).toEqual([
      'namespace',
      'name',
      'status',
      'trigger',
      'action',
      'version',
      'publish',
      'annotations',
      'updated',
    ]);
    expect(ruleJson(rule)).not.toHaveProperty('status');
    expect(ruleJson(rule)).not.toHaveProperty('entityType');
  });

  it('refuses malformed bodies with 400', () => {
    for (const bad of [[], 'x', null, { version: 1 }, { annotations: {} }, { publish: 1 }]) {
      expect(status(() => parseBody(rulePutSchema, bad, 'rule'))).toBe(400);
    }
  });
});

describe('the status request', () => {
  it('accepts active and inactive only', () => {
    expect(parseStatusRequest({ status: 'active' })).toBe('active');
    expect(parseStatusRequest({ status: 'inactive', trigger: null, action: null })).toBe('inactive');
    for (const bad of [undefined, {}, { status: 'on' }, { status: 1 }, 'active', []]) {
      expect(status(() => parseStatusRequest(bad))).toBe(400);
    }
  });
});

describe("the trigger's rules map", () => {
  const base: TriggerDocument = createTriggerDocument('guest', 't', {}, 1);
  const link = { action: { path: 'guest', name: 'a' }, status: 'active' as const };

  it('adds, replaces and removes links; a missing trigger or link is inactive', () => {
    const one = withRule(base, 'guest/r', link);
    expect(ruleStatusIn(one, 'guest/r')).toBe('active');
    const off = withRule(one, 'guest/r', { ...link, status: 'inactive' });
    expect(Object.keys(off.rules!)).toEqual(['guest/r']);
    expect(ruleStatusIn(off, 'guest/r')).toBe('inactive');
    expect(ruleStatusIn(undefined, 'guest/r')).toBe('inactive');
    expect(ruleStatusIn(base, 'guest/r')).toBe('inactive');
    expect(withoutRule(one, 'guest/r').rules).toEqual({});
    expect(withoutRule(base, 'guest/r')).toBe(base);
  });

  it('withRule then withoutRule leaves the other links as they were', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z]{1,5}$/), { maxLength: 6 }),
        fc.stringMatching(/^[A-Z]{1,3}$/),
        (names, added) => {
          let t = base;
          for (const n of names) t = withRule(t, `guest/${n}`, link);
          const after = withoutRule(withRule(t, `guest/${added}`, link), `guest/${added}`);
          expect(after.rules ?? {}).toEqual(t.rules ?? {});
        },
      ),
    );
  });
});
