/**
 * Name resolution and access for packages, as properties over random worlds of packages and
 * bindings in two namespaces: what a caller may read, what an action reached through a binding
 * looks like, and that a non-owner learns nothing about packages it may not read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/api/errors.js';
import { checkPackageRead, resolvePackagedAction } from '../../../src/api/package-access.js';
import { createPackageDocument, type PackageDocument } from '../../../src/api/package-doc.js';
import type { ActionDocument, Identity, KeyValue } from '../../../src/protocol/index.js';
import { FakeActions, FakePackages } from './fakes.js';

const namespaces = ['guest', 'other'] as const;
const names = ['p0', 'p1', 'p2', 'p3'] as const;

function identity(namespace: string): Identity {
  return {
    subject: namespace,
    namespace: { name: namespace, uuid: `${namespace}-uuid` },
    authkey: { api_key: `${namespace}:key` },
    rights: ['READ', 'PUT', 'DELETE', 'ACTIVATE'],
    limits: {},
  };
}

const params = (tag: string) =>
  fc
    .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 4 })
    .map((keys) => keys.map((key): KeyValue => ({ key, value: `${tag}:${key}` })));

/** A package, or a binding to another entry of the world (possibly missing, possibly a binding). */
const entry = fc.record({
  namespace: fc.constantFrom(...namespaces),
  name: fc.constantFrom(...names),
  publish: fc.boolean(),
  bindTo: fc.option(
    fc.record({ namespace: fc.constantFrom(...namespaces), name: fc.constantFrom(...names) }),
    {
      nil: undefined,
    },
  ),
  parameters: params('pkg'),
  withAction: fc.boolean(),
  actionParameters: params('action'),
});

type Entry = typeof entry extends fc.Arbitrary<infer T> ? T : never;

async function world(entries: Entry[]) {
  const actions = new FakeActions();
  const packages = new FakePackages(actions);
  actions.packages = packages;
  const byId = new Map<string, PackageDocument>();
  for (const e of entries) {
    const id = `${e.namespace}/${e.name}`;
    if (byId.has(id)) continue;
    const doc = createPackageDocument(
      e.namespace,
      e.name,
      { publish: e.publish, parameters: e.parameters, ...(e.bindTo ? { binding: e.bindTo } : {}) },
      1,
    );
    byId.set(id, await packages.put(doc));
    if (e.withAction && !e.bindTo) {
      const action: ActionDocument = {
        _id: `${id}/act`,
        entityType: 'action',
        updated: 1,
        namespace: id,
        name: 'act',
        version: '0.0.1',
        publish: false,
        exec: { kind: 'nodejs:20', code: 'x', binary: false },
        parameters: e.actionParameters,
        limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 },
        annotations: [],
      };
      await actions.put(action);
    }
  }
  return { deps: { actions, packages }, byId };
}

async function outcome(run: () => Promise<unknown>): Promise<number> {
  try {
    await run();
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
}

describe('package access and resolution', () => {
  it('a non-owner only ever gets 200 or 403: it never learns whether a package exists', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 8 }),
        fc.constantFrom(...names),
        async (entries, name) => {
          const { deps } = await world(entries);
          const status = await outcome(() => checkPackageRead(deps, identity('guest'), 'other', name));
          expect([200, 403]).toContain(status);
        },
      ),
    );
  });

  it("another namespace's package is readable exactly when it is a published package (never a binding)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 8 }),
        fc.constantFrom(...names),
        async (entries, name) => {
          const { deps, byId } = await world(entries);
          const doc = byId.get(`other/${name}`);
          const readable = doc !== undefined && doc.publish && !('name' in doc.binding);
          const status = await outcome(() => checkPackageRead(deps, identity('guest'), 'other', name));
          expect(status === 200).toBe(readable);
        },
      ),
    );
  });

  it('an action reached through a binding is the bound package action, with package < binding < action parameters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 8 }),
        fc.constantFrom(...names),
        async (entries, name) => {
          const { deps, byId } = await world(entries);
          const named = byId.get(`guest/${name}`);
          let action: ActionDocument | undefined;
          try {
            action = await resolvePackagedAction(deps, identity('guest'), 'guest', name, 'act');
          } catch (err) {
            if (err instanceof ApiError) return; // not readable or not there: covered above
            throw err;
          }
          if (!action || !named) return;
          // A binding to a binding (the API refuses to write one, but a store may hold it) is
          // followed to the real package, as OpenWhisk's WhiskPackage.resolveBinding does.
          const chain = [named];
          for (let t = named; 'name' in t.binding;) {
            const next = byId.get(`${t.binding.namespace}/${t.binding.name}`);
            expect(next).toBeDefined();
            t = next!;
            chain.unshift(t);
          }
          const target = chain[0]!;
          // Only a real package holds actions, and the document keeps that package's path.
          expect('name' in target.binding).toBe(false);
          expect(action.namespace).toBe(`${target.namespace}/${target.name}`);
          const stored = await deps.actions.get(action.namespace, 'act');
          const expected = new Map<string, unknown>();
          for (const layer of chain) for (const kv of layer.parameters) expected.set(kv.key, kv.value);
          for (const kv of stored!.parameters) expected.set(kv.key, kv.value);
          expect(new Map(action.parameters.map((kv) => [kv.key, kv.value]))).toEqual(expected);
          expect(action._rev).toBe(stored!._rev);
        },
      ),
    );
  });

  it("a binding is only ever its owner's, and only while its target is readable", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 8 }),
        fc.constantFrom(...names),
        async (entries, name) => {
          const { deps, byId } = await world(entries);
          const named = byId.get(`guest/${name}`);
          if (!named || !('name' in named.binding)) return;
          const { namespace, name: targetName } = named.binding;
          const other = await outcome(() => checkPackageRead(deps, identity('other'), 'guest', name));
          expect(other).toBe(403);
          const mine = await outcome(() => checkPackageRead(deps, identity('guest'), 'guest', name));
          const direct = await outcome(() =>
            checkPackageRead(deps, identity('guest'), namespace, targetName),
          );
          if (mine === 200) expect(direct).toBe(200);
          if (direct !== 200 && !(namespace === 'guest' && targetName === name)) expect(mine).not.toBe(200);
        },
      ),
    );
  });
});
