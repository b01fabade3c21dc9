/**
 * The pure part of a trigger fire: argument merging, color precedence, the rule lines of the
 * trigger's record, the record and the placement doc.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColorError, COLOR_KEY } from '../../../src/balancer/color.js';
import {
  fireArguments,
  fireColor,
  hasActiveRule,
  inactiveOutcome,
  owHeaders,
  ruleLogLine,
  rulesOf,
  triggerActivationRecord,
  triggerPlacement,
} from '../../../src/api/trigger-fire.js';
import type { TriggerDocument } from '../../../src/api/trigger-rule-doc.js';
import type { Identity, KeyValue } from '../../../src/protocol/index.js';

const user: Identity = {
  subject: 'guest-subject',
  namespace: { name: 'guest', uuid: 'u' },
  authkey: { api_key: 'u:k' },
  rights: ['READ', 'PUT', 'DELETE', 'ACTIVATE'],
  limits: {},
};

function trigger(over: Partial<TriggerDocument> = {}): TriggerDocument {
  return {
    _id: 'guest/t',
    entityType: 'trigger',
    namespace: 'guest',
    name: 't',
    parameters: [],
    limits: {},
    version: '0.0.3',
    publish: false,
    annotations: [],
    updated: 1,
    ...over,
  };
}

const key = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '__proto__');
const value = fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.boolean(), fc.constant(null));
const params = fc.uniqueArray(fc.record({ key, value }), { selector: (p) => p.key, maxLength: 6 });
const payload = fc.dictionary(key, value, { maxKeys: 6 });
const color = fc.string({ minLength: 1, maxLength: 20 });

describe('fireArguments', () => {
  it('is the trigger parameters, then __ow_headers, then the payload: later wins, color left out', () => {
    fc.assert(
      fc.property(params, payload, fc.option(color, { nil: undefined }), (ps, body, c) => {
        const withColor = c === undefined ? body : { ...body, [COLOR_KEY]: c };
        const headers = { 'x-a': '1' };
        const args = fireArguments(ps as KeyValue[], headers, withColor);
        expect(COLOR_KEY in args).toBe(false);
        for (const [k, v] of Object.entries(body)) if (k !== COLOR_KEY) expect(args[k]).toEqual(v);
        for (const p of ps) {
          if (p.key === COLOR_KEY || p.key in body) continue;
          if (p.key === '__ow_headers') expect(args[p.key]).toEqual(headers);
          else expect(args[p.key]).toEqual(p.value);
        }
        if (!('__ow_headers' in body)) expect(args.__ow_headers).toEqual(headers);
        const expectedKeys = new Set([...ps.map((p) => p.key), '__ow_headers', ...Object.keys(body)]);
        expectedKeys.delete(COLOR_KEY);
        expect(new Set(Object.keys(args))).toEqual(expectedKeys);
      }),
    );
  });

  it('takes a color given only as a trigger parameter out too', () => {
    const args = fireArguments(
      [
        { key: COLOR_KEY, value: 'c' },
        { key: 'a', value: 1 },
      ],
      {},
      undefined,
    );
    expect(args).toEqual({ a: 1, __ow_headers: {} });
  });
});

describe('owHeaders', () => {
  it('lower-cases names, joins repeated values, drops credentials and timeout-access', () => {
    expect(
      owHeaders({
        'Content-Type': 'application/json',
        authorization: 'Basic x',
        'Timeout-Access': 'y',
        'x-many': ['a', 'b'],
        absent: undefined,
      }),
    ).toEqual({ 'content-type': 'application/json', 'x-many': 'a, b' });
  });
});

describe('fireColor: payload > trigger annotation > trigger parameter > none', () => {
  it('follows the precedence for every combination of levels', () => {
    fc.assert(
      fc.property(
        fc.option(color, { nil: undefined }),
        fc.option(color, { nil: undefined }),
        fc.option(color, { nil: undefined }),
        (p, a, q) => {
          const t = trigger({
            annotations: a === undefined ? [] : [{ key: COLOR_KEY, value: a }],
            parameters: q === undefined ? [] : [{ key: COLOR_KEY, value: q }],
          });
          expect(fireColor(p === undefined ? { x: 1 } : { [COLOR_KEY]: p }, t)).toBe(p ?? a ?? q);
        },
      ),
    );
  });

  it('rejects a bad color at the level that gives it, without falling back', () => {
    const good = trigger({ annotations: [{ key: COLOR_KEY, value: 'fine' }] });
    for (const bad of [7, '', null, ['a'], { a: 1 }, 'x'.repeat(257)]) {
      expect(() => fireColor({ [COLOR_KEY]: bad }, good)).toThrow(ColorError);
      expect(() => fireColor({ [COLOR_KEY]: bad }, good)).toThrow(/__palette_color/);
      expect(() => fireColor(undefined, trigger({ annotations: [{ key: COLOR_KEY, value: bad }] }))).toThrow(
        /action annotation __palette_color|__palette_color/,
      );
    }
  });

  it('is undefined without a color anywhere (each action then follows its own annotation)', () => {
    expect(fireColor(undefined, trigger())).toBeUndefined();
    expect(fireColor({ a: 1 }, trigger())).toBeUndefined();
  });
});

describe('rules of a trigger', () => {
  const rules = {
    'guest/r1': { action: { path: 'guest', name: 'a' }, status: 'active' as const },
    'guest/r2': { action: { path: 'whisk.system/utils', name: 'echo' }, status: 'inactive' as const },
  };

  it('lists every rule in map order with its action and whether it is active', () => {
    expect(rulesOf(trigger({ rules }))).toEqual([
      { rule: 'guest/r1', action: { path: 'guest', name: 'a' }, active: true },
      { rule: 'guest/r2', action: { path: 'whisk.system/utils', name: 'echo' }, active: false },
    ]);
    expect(rulesOf(trigger())).toEqual([]);
  });

  it('fires only with an active rule (OpenWhisk answers 204 otherwise)', () => {
    expect(hasActiveRule(trigger({ rules }))).toBe(true);
    expect(hasActiveRule(trigger({ rules: { 'guest/r2': rules['guest/r2'] } }))).toBe(false);
    expect(hasActiveRule(trigger({ rules: {} }))).toBe(false);
    expect(hasActiveRule(trigger())).toBe(false);
  });
});

describe('ruleLogLine (RuleActivationResult.toJson)', () => {
  const link = { rule: 'guest/r', action: { path: 'guest/pkg', name: 'a' } };

  it('writes a started action as OpenWhisk does, fields in its order', () => {
    expect(ruleLogLine(link, { kind: 'started', activationId: 'abc' })).toBe(
      '{"statusCode":0,"success":true,"activationId":"abc","rule":"guest/r","action":"guest/pkg/a"}',
    );
  });

  it("writes a failure in OpenWhisk's order for that form (rule before error)", () => {
    expect(ruleLogLine(link, { kind: 'failed', statusCode: 3, error: 'No invokers available.' })).toBe(
      '{"statusCode":3,"success":false,"rule":"guest/r","error":"No invokers available.","action":"guest/pkg/a"}',
    );
  });

  it('writes an inactive rule as an application error naming rule and action', () => {
    const line = JSON.parse(ruleLogLine(link, inactiveOutcome({ ...link, active: false }))) as Record<
      string,
      unknown
    >;
    expect(line).toEqual({
      statusCode: 1,
      success: false,
      error: "Rule 'guest/r' is inactive, action 'guest/pkg/a' was not activated.",
      rule: 'guest/r',
      action: 'guest/pkg/a',
    });
  });

  it('is one line of valid JSON for any outcome', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (id, error) => {
        for (const outcome of [
          { kind: 'started' as const, activationId: id },
          { kind: 'failed' as const, statusCode: 1 as const, error },
        ]) {
          const line = ruleLogLine(link, outcome);
          expect(line.includes('\n')).toBe(false);
          const parsed = JSON.parse(line) as { success: boolean };
          expect(parsed.success).toBe(outcome.kind === 'started');
        }
      }),
    );
  });
});

describe('the trigger record and placement', () => {
  it('is a success whose result is the payload without the color, end 0, no duration', () => {
    const record = triggerActivationRecord({
      user,
      trigger: trigger(),
      activationId: 'id1',
      start: 1000,
      payload: { a: 1, [COLOR_KEY]: 'c' },
      logs: ['l1', 'l2'],
    });
    expect(record).toEqual({
      namespace: 'guest',
      name: 't',
      subject: 'guest-subject',
      activationId: 'id1',
      start: 1000,
      end: 0,
      response: { statusCode: 0, result: { a: 1 } },
      logs: ['l1', 'l2'],
      version: '0.0.3',
      publish: false,
      annotations: [],
    });
    expect('duration' in record).toBe(false);
  });

  it('answers {} as the result of a fire without payload', () => {
    const record = triggerActivationRecord({
      user,
      trigger: trigger(),
      activationId: 'i',
      start: 1,
      payload: undefined,
      logs: [],
    });
    expect(record.response.result).toEqual({});
  });

  it('places a trigger on no invoker, with the policy its color would go to', () => {
    const base = {
      activationId: 'id1',
      namespace: 'guest',
      trigger: trigger(),
      policies: { colored: 'consistent-hash', uncolored: 'openwhisk-sharding' },
      controller: 'palette0',
      time: 5,
    };
    const colored = triggerPlacement({ ...base, color: 'c' });
    expect(colored).toEqual({
      activationId: 'id1',
      kind: 'trigger',
      namespace: 'guest',
      action: 'guest/t',
      color: 'c',
      policy: 'consistent-hash',
      forced: false,
      spilled: false,
      controller: 'palette0',
      time: 5,
    });
    const plain = triggerPlacement({ ...base, color: undefined });
    expect(plain.policy).toBe('openwhisk-sharding');
    expect('color' in plain || 'invoker' in plain || 'home' in plain).toBe(false);
  });
});
