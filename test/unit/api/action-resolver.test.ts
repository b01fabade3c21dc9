/** The action resolver a fire and a rule use: default package, packages (plugged in), access. */
import { describe, expect, it } from 'vitest';
import { storeActionResolver } from '../../../src/api/action-resolver.js';
import { EntityCache } from '../../../src/api/cache.js';
import { ApiError } from '../../../src/api/errors.js';
import type { ActionDocument, Identity } from '../../../src/protocol/index.js';
import { FakeActions } from './fakes.js';

const guest: Identity = {
  subject: 'guest',
  namespace: { name: 'guest', uuid: 'u' },
  authkey: { api_key: 'u:k' },
  rights: ['READ', 'PUT', 'DELETE', 'ACTIVATE'],
  limits: {},
};

function doc(namespace: string, name: string): ActionDocument {
  return {
    _id: `${namespace}/${name}`,
    entityType: 'action',
    namespace,
    name,
    version: '0.0.1',
    publish: false,
    exec: { kind: 'nodejs:20', code: 'x', binary: false },
    parameters: [],
    limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 },
    annotations: [],
    updated: 1,
  } as ActionDocument;
}

describe('storeActionResolver', () => {
  it("finds the caller's default-package actions and nothing else by default", async () => {
    const actions = new FakeActions();
    actions.docs.set('guest/a', doc('guest', 'a'));
    const resolver = storeActionResolver(actions);
    expect((await resolver.resolve(guest, { path: 'guest', name: 'a' }))?.name).toBe('a');
    expect(await resolver.resolve(guest, { path: 'guest', name: 'b' })).toBeUndefined();
    expect(await resolver.resolve(guest, { path: 'whisk.system/utils', name: 'echo' })).toBeUndefined();
    expect(await resolver.resolve(guest, { path: 'a/b/c', name: 'd' })).toBeUndefined();
    await expect(resolver.resolve(guest, { path: 'other', name: 'a' })).rejects.toBeInstanceOf(ApiError);
  });

  it('asks the packages lookup for `ns/pkg/name`, as the caller', async () => {
    const asked: unknown[] = [];
    const echo = { ...doc('whisk.system/utils', 'echo'), parameters: [{ key: 'merged', value: true }] };
    const resolver = storeActionResolver(new FakeActions(), async (identity, namespace, pkg, name) => {
      asked.push([identity.namespace.name, namespace, pkg, name]);
      return echo;
    });
    expect(await resolver.resolve(guest, { path: 'whisk.system/utils', name: 'echo' })).toBe(echo);
    expect(asked).toEqual([['guest', 'whisk.system', 'utils', 'echo']]);
  });

  it('treats a name that holds another kind of entity as no action', async () => {
    const actions = new FakeActions();
    actions.get = async () => {
      throw Object.assign(new Error('mismatch'), { name: 'DocumentTypeMismatchError' });
    };
    expect(await storeActionResolver(actions).resolve(guest, { path: 'guest', name: 't' })).toBeUndefined();
  });

  it("reads through the invoke path's cache when given one", async () => {
    const actions = new FakeActions();
    actions.docs.set('guest/a', doc('guest', 'a'));
    const resolver = storeActionResolver(actions, undefined, new EntityCache<ActionDocument>(60_000));
    await resolver.resolve(guest, { path: 'guest', name: 'a' });
    await resolver.resolve(guest, { path: 'guest', name: 'a' });
    expect(actions.gets).toBe(1);
  });
});
