import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatFullyQualifiedName,
  fullyQualifiedNameOf,
  MalformedNameError,
  parseFullyQualifiedName,
  resolveDefaultNamespace,
  sequenceComponents,
  sequenceMessages,
} from '../../../src/protocol/index.js';

const entityName = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_@.-]{0,20}$/);
const qualifiedName = fc.record(
  { namespace: entityName, pkg: entityName, name: entityName },
  { requiredKeys: ['namespace', 'name'] },
);

describe('fully qualified names (EntityPath.toFullyQualifiedEntityName)', () => {
  it('format then parse gives the same name back, with or without the leading slash', () => {
    fc.assert(
      fc.property(qualifiedName, (fqn) => {
        const text = formatFullyQualifiedName(fqn);
        expect(text.startsWith('/')).toBe(true);
        expect(parseFullyQualifiedName(text)).toEqual(fqn);
        expect(parseFullyQualifiedName(text.slice(1))).toEqual(fqn);
      }),
    );
  });

  it('reads namespace/name and namespace/package/name', () => {
    expect(parseFullyQualifiedName('/guest/hello')).toEqual({ namespace: 'guest', name: 'hello' });
    expect(parseFullyQualifiedName('/whisk.system/utils/echo')).toEqual({
      namespace: 'whisk.system',
      pkg: 'utils',
      name: 'echo',
    });
    // Empty segments are dropped, as EntityPath does.
    expect(parseFullyQualifiedName('//guest//hello')).toEqual({ namespace: 'guest', name: 'hello' });
  });

  it('refuses a bare name, too many segments and invalid parts with OpenWhisk’s message', () => {
    expect(() => parseFullyQualifiedName('hello')).toThrow(sequenceMessages.malformedName);
    expect(() => parseFullyQualifiedName('/a/b/c/d')).toThrow(MalformedNameError);
    expect(() => parseFullyQualifiedName('/guest/he llo!')).toThrow(/invalid parts/);
    expect(() => parseFullyQualifiedName('')).toThrow(MalformedNameError);
  });

  it('`_` is the caller’s namespace; any other namespace stays', () => {
    fc.assert(
      fc.property(qualifiedName, entityName, (fqn, user) => {
        const resolved = resolveDefaultNamespace(fqn, user);
        expect(resolved.namespace).toBe(fqn.namespace === '_' ? user : fqn.namespace);
        expect(resolved.name).toBe(fqn.name);
        expect(resolved.pkg).toBe(fqn.pkg);
      }),
    );
    expect(resolveDefaultNamespace(parseFullyQualifiedName('/_/a'), 'guest')).toEqual({
      namespace: 'guest',
      name: 'a',
    });
  });

  it('an action document answers to its namespace field, which may hold the package', () => {
    expect(fullyQualifiedNameOf({ namespace: 'guest/pkg', name: 'a' })).toEqual({
      namespace: 'guest',
      pkg: 'pkg',
      name: 'a',
    });
    expect(fullyQualifiedNameOf({ namespace: 'guest', name: 'a' })).toEqual({
      namespace: 'guest',
      name: 'a',
    });
  });

  it('sequenceComponents tells a sequence from a code action', () => {
    expect(sequenceComponents({ exec: { kind: 'nodejs:20' } })).toBeUndefined();
    expect(
      sequenceComponents({ exec: { kind: 'sequence', components: ['/guest/a', '/guest/p/b'] } as never }),
    ).toEqual([
      { namespace: 'guest', name: 'a' },
      { namespace: 'guest', pkg: 'p', name: 'b' },
    ]);
  });
});
