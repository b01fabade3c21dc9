/**
 * Sequence documents constructed by the code that writes them (the REST layer's create/update and
 * the runner's record builder), judged by OpenWhisk's own parsers: the action document as
 * `WhiskAction`, the records (topmost and inner, success and each failure) as `WhiskActivation`.
 * Also: the judge refuses a sequence without components, so it does look at them.
 */
import { describe, expect, it } from 'vitest';
import { createActionDocument, updateActionDocument } from '../../src/api/action-doc.js';
import {
  applicationError,
  completed,
  failed,
  initialAccounting,
  sequenceRecord,
  whiskError,
} from '../../src/controller/sequence-accounting.js';
import {
  asSequenceDocument,
  sequenceMessages,
  type Identity,
  type WhiskActivation,
} from '../../src/protocol/index.js';
import { owcParse, owcSkipReason } from '../support/owc.js';

const skip = owcSkipReason();

const guest: Identity = {
  subject: 'guest',
  namespace: { name: 'guest', uuid: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502' },
  authkey: {
    api_key:
      '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP',
  },
  rights: ['READ', 'PUT', 'DELETE', 'ACTIVATE'],
  limits: {},
};

const stored = (doc: object) => JSON.stringify({ ...doc, _rev: '1-abc' });

function component(id: string, memory: number, result: unknown, statusCode: 0 | 1 = 0): WhiskActivation {
  return {
    namespace: 'guest',
    name: 'a',
    subject: 'guest',
    activationId: id,
    start: 1,
    end: 2,
    duration: 1,
    response: { statusCode, result },
    logs: [],
    version: '0.0.1',
    publish: false,
    annotations: [{ key: 'limits', value: { timeout: 60000, memory, logs: 10, concurrency: 1 } }],
  };
}

describe.skipIf(skip)('sequence documents OpenWhisk accepts (constructed)', () => {
  it('the sequence action as created and as updated', () => {
    const created = createActionDocument(
      'guest',
      's',
      { exec: { kind: 'sequence', components: ['/guest/a', '/guest/pkg/b'] } },
      1_700_000_000_000,
    );
    const updated = updateActionDocument(
      { ...created, _rev: '1-abc' },
      { annotations: [{ key: 'note', value: 'x' }] },
      1_700_000_000_001,
    );
    const lines = [stored(created), stored(updated)];
    const verdicts = owcParse('action', lines);
    expect(verdicts.filter((v) => !v.ok).map((v) => v.output)).toEqual([]);
    const readBack = JSON.parse(verdicts[0]!.output) as { exec: unknown; parameters: unknown };
    expect(readBack.exec).toEqual({ components: ['/guest/a', '/guest/pkg/b'], kind: 'sequence' });
    expect(asSequenceDocument(created)).toBeDefined();
  });

  it('the sequence records: success, application error, timeout, too long, inner sequence', () => {
    const sequence = asSequenceDocument(
      createActionDocument('guest', 's', { exec: { kind: 'sequence', components: ['/guest/a'] } }, 1),
    )!;
    const ids = ['1', '2', '3'].map((d) => d.repeat(32));
    let ok = initialAccounting(0, { x: 1 });
    ok = completed(ok, component(ids[0]!, 256, { y: 1 }), 1);
    ok = completed(ok, component(ids[1]!, 512, [1, 2]), 2);
    const appError = completed(ok, component(ids[2]!, 128, { error: 'no' }, 1), 3);
    const timedOut = failed(ok, whiskError(sequenceMessages.retrieveTimeout(ids[2]!)), ids[2]);
    const tooLong = failed(ok, applicationError(sequenceMessages.tooLong));
    const record = (accounting: typeof ok, topmost = true) =>
      sequenceRecord({
        user: guest,
        action: sequence,
        activationId: 'f'.repeat(32),
        accounting,
        topmost,
        cause: 'e'.repeat(32),
        transid: ['tid', 1_700_000_000_000],
        start: 1_700_000_000_010,
        end: 1_700_000_000_500,
      });
    const docs = [record(ok), record(appError), record(timedOut), record(tooLong), record(ok, false)];
    const lines = docs.map((r) =>
      stored({ ...r, _id: `guest/${r.activationId}`, entityType: 'activation', updated: 1_700_000_000_600 }),
    );
    const verdicts = owcParse('whisk-activation', lines);
    expect(verdicts.filter((v) => !v.ok).map((v) => v.output)).toEqual([]);
    const inner = JSON.parse(verdicts[4]!.output) as { cause?: string };
    expect(inner.cause).toBe('e'.repeat(32));
  });

  it('the judge refuses a sequence exec without components', () => {
    const doc = createActionDocument(
      'guest',
      's',
      { exec: { kind: 'sequence', components: ['/guest/a'] } },
      1,
    );
    const broken = { ...doc, exec: { kind: 'sequence' } };
    const [verdict] = owcParse('action', [stored(broken)]);
    // OpenWhisk's entity reader then tries the other entity types and reports the last mismatch.
    expect(verdict!.ok).toBe(false);
  });
});
