/**
 * The pure parts of packages: the PUT body, the documents a create and an update write, and
 * parameter merging (package < binding < action < invocation).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/api/errors.js';
import {
  bindingOf,
  createPackageDocument,
  mergeParameters,
  packageJson,
  packageSummary,
  parsePackagePut,
  updatePackageDocument,
  withPackageActions,
} from '../../../src/api/package-doc.js';
import type { KeyValue } from '../../../src/protocol/index.js';

const keyValue = fc.record({ key: fc.string({ minLength: 1, maxLength: 6 }), value: fc.jsonValue() });
const layer = fc.array(keyValue, { maxLength: 8 });

function status(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof ApiError ? err.status : -1;
  }
}

describe('mergeParameters', () => {
  it('a later layer wins every key it defines; every key of any layer is kept exactly once', () => {
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 4 }), (layers) => {
        const merged = mergeParameters(...layers);
        const keys = merged.map((kv) => kv.key);
        expect(new Set(keys).size).toBe(keys.length);
        expect(new Set(keys)).toEqual(new Set(layers.flat().map((kv) => kv.key)));
        for (const kv of merged) {
          const last = layers
            .flat()
            .filter((x) => x.key === kv.key)
            .at(-1);
          expect(kv).toBe(last);
        }
      }),
    );
  });

  it('package < binding < action, as OpenWhisk resolves an action through a binding', () => {
    const pkg: KeyValue[] = [
      { key: 'a', value: 'pkg' },
      { key: 'b', value: 'pkg' },
      { key: 'c', value: 'pkg' },
    ];
    const binding: KeyValue[] = [
      { key: 'b', value: 'binding' },
      { key: 'c', value: 'binding' },
    ];
    const action: KeyValue[] = [{ key: 'c', value: 'action' }];
    const merged = Object.fromEntries(mergeParameters(pkg, binding, action).map((kv) => [kv.key, kv.value]));
    expect(merged).toEqual({ a: 'pkg', b: 'binding', c: 'action' });
  });

  it('is associative (merging in steps equals merging at once)', () => {
    fc.assert(
      fc.property(layer, layer, layer, (a, b, c) => {
        expect(mergeParameters(mergeParameters(a, b), c)).toEqual(mergeParameters(a, mergeParameters(b, c)));
      }),
    );
  });
});

describe('parsePackagePut', () => {
  it('accepts the shapes wsk and the npm client send', () => {
    expect(parsePackagePut(undefined, 'guest')).toEqual({});
    expect(parsePackagePut({ binding: {} }, 'guest')).toEqual({});
    expect(
      parsePackagePut(
        { binding: { namespace: '_', name: 'utils' }, parameters: [{ key: 'a', value: 1 }], publish: true },
        'guest',
      ),
    ).toEqual({
      binding: { namespace: 'guest', name: 'utils' },
      parameters: [{ key: 'a', value: 1 }],
      publish: true,
    });
    // Unknown fields are ignored, as spray-json's reader does.
    expect(parsePackagePut({ name: 'x', namespace: 'y', extra: 1 }, 'guest')).toEqual({});
  });

  it.each([
    ['an array', []],
    ['a string', 'pkg'],
    ['a number', 3],
    ['parameters as an object', { parameters: { a: 1 } }],
    ['a parameter without key', { parameters: [{ value: 1 }] }],
    ['annotations as a string', { annotations: 'x' }],
    ['publish as a string', { publish: 'yes' }],
    ['a bad version', { version: 'one' }],
    ['a binding without name', { binding: { namespace: 'guest' } }],
    ['a binding without namespace', { binding: { name: 'p' } }],
    ['a binding with a number', { binding: { namespace: 'guest', name: 5 } }],
    ['a binding to an illegal name', { binding: { namespace: 'guest', name: 'a/b' } }],
    ['a binding as a string', { binding: 'guest/p' }],
  ])('refuses %s with a 400', (_what, body) => {
    expect(status(() => parsePackagePut(body, 'guest'))).toBe(400);
  });

  it('every value is either accepted or a 400, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              binding: fc.oneof(
                fc.jsonValue(),
                fc.record({ namespace: fc.jsonValue(), name: fc.jsonValue() }),
              ),
              parameters: fc.oneof(fc.jsonValue(), layer),
              annotations: fc.oneof(fc.jsonValue(), layer),
              publish: fc.jsonValue(),
              version: fc.jsonValue(),
            },
            { requiredKeys: [] },
          ),
        ),
        (body) => {
          const outcome = status(() => parsePackagePut(body, 'guest'));
          expect([undefined, 400]).toContain(outcome);
        },
      ),
    );
  });
});

describe('package documents', () => {
  it('a new package: OpenWhisk defaults, binding {} and no binding annotation', () => {
    const doc = createPackageDocument(
      'guest',
      'p',
      { annotations: [{ key: 'binding', value: 'forged' }] },
      5,
    );
    expect(doc).toEqual({
      _id: 'guest/p',
      entityType: 'package',
      namespace: 'guest',
      name: 'p',
      binding: {},
      parameters: [],
      version: '0.0.1',
      publish: false,
      annotations: [],
      updated: 5,
    });
    expect(bindingOf(doc)).toBeUndefined();
  });

  it('a binding carries the controller-written binding annotation, whatever the PUT said', () => {
    const doc = createPackageDocument(
      'guest',
      'b',
      {
        binding: { namespace: 'whisk.system', name: 'utils' },
        annotations: [{ key: 'binding', value: 'x' }],
      },
      5,
    );
    expect(doc.binding).toEqual({ namespace: 'whisk.system', name: 'utils' });
    expect(doc.annotations).toEqual([
      { key: 'binding', value: { namespace: 'whisk.system', name: 'utils' } },
    ]);
    expect(packageSummary(doc).binding).toEqual({ namespace: 'whisk.system', name: 'utils' });
  });

  it('an update replaces what is given, keeps the rest, bumps the patch version and keeps the revision', () => {
    const old = {
      ...createPackageDocument('guest', 'p', { parameters: [{ key: 'a', value: 1 }], publish: true }, 5),
      _rev: '1-x',
    };
    const updated = updatePackageDocument(old, { annotations: [{ key: 'd', value: 'e' }] }, 9);
    expect(updated).toMatchObject({ _rev: '1-x', version: '0.0.2', publish: true, updated: 9 });
    expect(updated.parameters).toEqual([{ key: 'a', value: 1 }]);
    expect(updated.annotations).toEqual([{ key: 'd', value: 'e' }]);
  });

  it('a package never becomes a binding (409)', () => {
    const old = createPackageDocument('guest', 'p', {}, 5);
    expect(status(() => updatePackageDocument(old, { binding: { namespace: 'guest', name: 'q' } }, 6))).toBe(
      409,
    );
  });

  it('the REST form drops the CouchDB envelope; get adds actions and feeds', () => {
    const doc = { ...createPackageDocument('guest', 'p', {}, 5), _rev: '1-x' };
    const json = packageJson(doc);
    expect(json).not.toHaveProperty('_id');
    expect(json).not.toHaveProperty('_rev');
    expect(json).not.toHaveProperty('entityType');
    const shown = withPackageActions(json, [
      { name: 'a', version: '0.0.1', annotations: [] },
      { name: 'f', version: '0.0.1', annotations: [{ key: 'feed', value: true }] },
    ]);
    expect(shown.actions).toEqual([{ name: 'a', version: '0.0.1', annotations: [] }]);
    expect(shown.feeds).toEqual([
      { name: 'f', version: '0.0.1', annotations: [{ key: 'feed', value: true }] },
    ]);
  });
});
