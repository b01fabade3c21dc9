import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColorError } from '../../../src/balancer/color.js';
import {
  completed,
  failed,
  initialAccounting,
  nextInput,
  sequenceColor,
  sequenceInput,
  sequenceRecord,
  whiskError,
} from '../../../src/controller/sequence-accounting.js';
import {
  defaultActionLimits,
  sequenceMessages,
  type SequenceActionDocument,
  type WhiskActivation,
} from '../../../src/protocol/index.js';
import { guest } from './harness.js';

const color = fc.string({ minLength: 1, maxLength: 20 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

function activation(id: string, result: unknown, over: Partial<WhiskActivation> = {}): WhiskActivation {
  return {
    namespace: 'guest',
    name: 'a',
    subject: 'guest',
    activationId: id,
    start: 1,
    end: 2,
    duration: 7,
    response: { statusCode: 0, result },
    logs: [],
    version: '0.0.1',
    publish: false,
    annotations: [],
    ...over,
  };
}

describe('sequence color precedence (R7): parameter > sequence annotation > component annotation > baseline', () => {
  it('holds for every combination', () => {
    fc.assert(
      fc.property(maybe(color), maybe(color), maybe(color), (inherited, parameter, annotation) => {
        const payload = parameter === undefined ? { x: 1 } : { x: 1, __palette_color: parameter };
        const annotations = annotation === undefined ? [] : [{ key: '__palette_color', value: annotation }];
        // undefined means: each component follows its own annotation, else the baseline.
        expect(sequenceColor(inherited, payload, annotations)).toBe(inherited ?? parameter ?? annotation);
      }),
    );
  });

  it('an invalid parameter or annotation is a ColorError, not a fallback', () => {
    expect(() => sequenceColor(undefined, { __palette_color: 7 }, [])).toThrow(ColorError);
    expect(() => sequenceColor(undefined, {}, [{ key: '__palette_color', value: '' }])).toThrow(ColorError);
  });

  it('the first component never sees the color', () => {
    fc.assert(
      fc.property(color, fc.dictionary(fc.string(), fc.jsonValue()), (c, rest) => {
        const input = sequenceInput({ ...rest, __palette_color: c }) as Record<string, unknown>;
        expect(Object.prototype.hasOwnProperty.call(input, '__palette_color')).toBe(false);
      }),
    );
  });
});

describe('sequence accounting (SequenceAccounting)', () => {
  it('passes an object or array result on, anything else as no input', () => {
    const start = initialAccounting(0, { a: 1 });
    expect(nextInput(start)).toEqual({ a: 1 });
    expect(nextInput(completed(start, activation('1', [1, 2]), 1))).toEqual([1, 2]);
    expect(nextInput(completed(start, activation('1', 'text'), 1))).toBeUndefined();
    expect(nextInput(initialAccounting(0, undefined))).toBeUndefined();
  });

  it('sums durations, keeps ids in order, takes the largest memory, stops on an error field', () => {
    let acc = initialAccounting(0, {});
    const limits = (memory: number) => [{ key: 'limits', value: { memory } }];
    acc = completed(acc, activation('1', { ok: 1 }, { annotations: limits(128) }), 1);
    acc = completed(acc, activation('2', { ok: 2 }, { annotations: limits(512), duration: 3 }), 2);
    expect(acc).toMatchObject({ atomicCount: 2, logs: ['1', '2'], duration: 10, maxMemory: 512 });
    expect(acc.shortcircuit).toBe(false);
    const err = activation(
      '3',
      { error: 'boom' },
      { response: { statusCode: 1, result: { error: 'boom' } } },
    );
    acc = completed(acc, err, 3);
    expect(acc.shortcircuit).toBe(true);
    expect(acc.response).toEqual({ statusCode: 1, result: { error: 'boom' } });
    expect(acc.logs).toEqual(['1', '2', '3']);
  });

  it('past the limit the response becomes "Too many actions in the sequence."', () => {
    const acc = completed(initialAccounting(2, {}), activation('x', { ok: 1 }), 3, 2);
    expect(acc.shortcircuit).toBe(true);
    expect(acc.response).toEqual({ statusCode: 1, result: { error: sequenceMessages.tooLong } });
  });

  it('a failure without a record keeps the ids so far and adds the given one', () => {
    const acc = failed(initialAccounting(0, {}), whiskError(sequenceMessages.failure), 'abc');
    expect(acc).toMatchObject({ shortcircuit: true, logs: ['abc'] });
    expect(acc.response.statusCode).toBe(3);
  });
});

describe('the sequence record (makeSequenceActivation)', () => {
  const sequence: SequenceActionDocument = {
    _id: 'guest/s',
    entityType: 'action',
    updated: 1,
    namespace: 'guest',
    name: 's',
    version: '0.0.3',
    publish: false,
    exec: { kind: 'sequence', components: ['/guest/a'] },
    parameters: [],
    limits: { ...defaultActionLimits },
    annotations: [],
  };

  it('topmost: no cause, annotations topmost/path/kind/waitTime/limits, component ids as logs', () => {
    let acc = initialAccounting(0, {});
    acc = completed(
      acc,
      activation('1', { ok: 1 }, { annotations: [{ key: 'limits', value: { memory: 256 } }] }),
      1,
    );
    const record = sequenceRecord({
      user: guest,
      action: sequence,
      activationId: 'f'.repeat(32),
      accounting: acc,
      topmost: true,
      cause: 'e'.repeat(32),
      transid: ['t', 100],
      start: 150,
      end: 400,
    });
    expect(record).toMatchObject({
      namespace: 'guest',
      name: 's',
      subject: 'guest',
      version: '0.0.3',
      start: 150,
      end: 400,
      duration: 7,
      logs: ['1'],
      response: { statusCode: 0, result: { ok: 1 } },
    });
    expect(record.cause).toBeUndefined();
    expect(record.annotations).toEqual([
      { key: 'topmost', value: true },
      { key: 'path', value: 'guest/s' },
      { key: 'kind', value: 'sequence' },
      { key: 'waitTime', value: 50 },
      { key: 'limits', value: { concurrency: 1, logs: 10, memory: 256, timeout: 60000 } },
    ]);
  });

  it('inner: cause is the enclosing sequence and causedBy is sequence', () => {
    const record = sequenceRecord({
      user: guest,
      action: sequence,
      activationId: 'f'.repeat(32),
      accounting: initialAccounting(0, {}),
      topmost: false,
      cause: 'e'.repeat(32),
      transid: ['t', 100],
      start: 100,
      end: 100,
    });
    expect(record.cause).toBe('e'.repeat(32));
    expect(record.annotations).toContainEqual({ key: 'causedBy', value: 'sequence' });
    expect(record.annotations).toContainEqual({ key: 'topmost', value: false });
  });
});
