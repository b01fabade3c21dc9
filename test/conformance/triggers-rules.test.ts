/**
 * Trigger and rule documents and trigger records, built by the same functions the API uses, judged
 * by OpenWhisk's own parsers (`parse trigger`, `parse rule`, `parse whisk-activation`); and
 * OpenWhisk's own samples read by our schemas. The stored documents of a running platform are
 * judged in test/integration/clients/triggers-rules.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { triggerActivationRecord, ruleLogLine } from '../../src/api/trigger-fire.js';
import {
  createRuleDocument,
  createTriggerDocument,
  ruleDocumentSchema,
  ruleTargetOf,
  triggerDocumentSchema,
  updateRuleDocument,
  updateTriggerDocument,
  withoutRule,
  withRule,
} from '../../src/api/trigger-rule-doc.js';
import type { Identity } from '../../src/protocol/index.js';
import { findOwc, owcParse, owcSkipReason } from '../support/owc.js';

const skip = owcSkipReason();
const rev = { _rev: '1-967a00dff5e02add41819138abb3284d' };

const guest: Identity = {
  subject: 'guest',
  namespace: { name: 'guest', uuid: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502' },
  authkey: { api_key: 'u:k' },
  rights: ['READ', 'PUT', 'DELETE', 'ACTIVATE'],
  limits: {},
};

function expectAccepted(kind: 'trigger' | 'rule' | 'whisk-activation', docs: readonly object[]): void {
  const verdicts = owcParse(
    kind,
    docs.map((d) => JSON.stringify(d)),
  );
  verdicts.forEach((v, i) => expect(v.ok, `${JSON.stringify(docs[i])}\n${v.output}`).toBe(true));
}

describe.skipIf(skip !== undefined)('triggers and rules as OpenWhisk reads them', () => {
  const trigger = createTriggerDocument(
    'guest',
    't',
    {
      parameters: [{ key: 'a', value: { nested: [1, 2] } }],
      annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }],
    },
    1700000000000,
  );
  const target = ruleTargetOf({ trigger: '/_/t', action: '/whisk.system/utils/echo' }, 'guest');
  const rule = createRuleDocument(
    'guest',
    'r',
    { annotations: [{ key: 'k', value: 'v' }] },
    target,
    1700000000001,
  );

  it('accepts triggers without, with and after removing rules, and updated ones', () => {
    const linked = withRule(trigger, 'guest/r', { action: target.action, status: 'active' });
    const two = withRule(linked, 'guest/r2', { action: { path: 'guest', name: 'a' }, status: 'inactive' });
    expectAccepted('trigger', [
      { ...trigger, ...rev },
      { ...linked, ...rev },
      { ...two, ...rev },
      { ...withoutRule(two, 'guest/r'), ...rev },
      { ...updateTriggerDocument({ ...two, ...rev }, { publish: true }, 1700000000002) },
    ]);
  });

  it('accepts rules, created and updated, with actions in packages', () => {
    const updated = updateRuleDocument(
      { ...rule, ...rev },
      {},
      ruleTargetOf({ action: '/_/b' }, 'guest', rule),
      2,
    );
    expectAccepted('rule', [{ ...rule, ...rev }, updated]);
  });

  it('accepts the trigger record as the controller stores it', () => {
    const logs = [
      ruleLogLine(
        { rule: 'guest/r', action: target.action },
        { kind: 'started', activationId: 'a'.repeat(32) },
      ),
      ruleLogLine({ rule: 'guest/r2', action: target.action }, { kind: 'failed', statusCode: 1, error: 'x' }),
    ];
    for (const payload of [undefined, { a: 1, __palette_color: 'c' }]) {
      const record = triggerActivationRecord({
        user: guest,
        trigger,
        activationId: 'b'.repeat(32),
        start: 1700000000003,
        payload,
        logs,
      });
      expectAccepted('whisk-activation', [
        { ...record, _id: `guest/${record.activationId}`, entityType: 'activation', updated: 1, ...rev },
      ]);
    }
  });

  it("reads OpenWhisk's own trigger and rule samples with our schemas", () => {
    const { path } = findOwc();
    for (const [kind, schema] of [
      ['trigger', triggerDocumentSchema],
      ['rule', ruleDocumentSchema],
    ] as const) {
      const lines = execFileSync(path!, ['sample', kind], { encoding: 'utf8' }).trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(schema.safeParse(JSON.parse(line)).success, line).toBe(true);
    }
  });

  it('the judge refuses a rule without its trigger', () => {
    const { trigger: _t, ...broken } = rule;
    const [verdict] = owcParse('rule', [JSON.stringify({ ...broken, ...rev })]);
    expect(verdict!.ok).toBe(false);
  });
});
