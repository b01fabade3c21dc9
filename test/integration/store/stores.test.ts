import { beforeAll, describe, expect, it } from 'vitest';
import {
  ActionExistsError,
  ActionStore,
  entityDocId,
  type ActionInput,
} from '../../../src/store/action-store.js';
import { ActivationStore, type ActivationRecord } from '../../../src/store/activation-store.js';
import { BulkWriter } from '../../../src/store/bulk-writer.js';
import { bulkDocs, type CouchConnection } from '../../../src/store/couch.js';
import { PlacementStore } from '../../../src/store/placement-store.js';
import { SubjectStore, subjectDocFor, wellKnownAuth } from '../../../src/store/subject-store.js';
import { connect, uniquePrefix } from './support.js';

let couch: CouchConnection;

beforeAll(async () => {
  couch = await connect(uniquePrefix('stores'));
});

describe('databases', () => {
  it('creates OpenWhisk’s and Palette’s databases under the prefix, and connecting twice is harmless', async () => {
    const again = await connect(couch.names.subjects.replace(/subjects$/, ''));
    const all = await again.server.db.list();
    for (const name of Object.values(couch.names)) expect(all).toContain(name);
    expect(couch.names.whisks).toMatch(/^test_stores_[0-9a-f]{8}_whisks$/);
  });
});

describe('SubjectStore', () => {
  it('seeds guest and whisk.system once and looks identities up by uuid and key', async () => {
    const subjects = new SubjectStore(couch);
    await subjects.seedWellKnown();
    await subjects.seedWellKnown();
    const guest = await subjects.identityByAuth(wellKnownAuth.guest);
    expect(guest).toEqual({
      subject: 'guest',
      namespace: { name: 'guest', uuid: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502' },
      authkey: { uuid: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502', key: wellKnownAuth.guest.split(':')[1] },
      limits: {},
    });
    const system = await subjects.identityByAuth(wellKnownAuth['whisk.system']);
    expect(system?.namespace.name).toBe('whisk.system');
    expect(await subjects.identityByKey('23bc46b1-71f6-4ed5-8c54-816aa4f8c502', 'wrong')).toBeUndefined();
    expect(await subjects.identityByAuth('no-colon')).toBeUndefined();
    expect((await subjects.identityByNamespace('guest'))?.subject).toBe('guest');
    const doc = await couch.db('subjects').get('guest');
    expect(doc).toMatchObject(subjectDocFor('guest', wellKnownAuth.guest));
  });

  it('joins the namespace limits and ignores blocked subjects', async () => {
    const subjects = new SubjectStore(couch);
    await subjects.create(subjectDocFor('alice', 'aaaa:key-a', 'alice-ns'));
    await couch.db('subjects').insert({ _id: 'alice-ns/limits', concurrentInvocations: 7 });
    expect((await subjects.identityByAuth('aaaa:key-a'))?.limits).toEqual({ concurrentInvocations: 7 });
    await subjects.create({ ...subjectDocFor('bob', 'bbbb:key-b'), blocked: true });
    expect(await subjects.identityByAuth('bbbb:key-b')).toBeUndefined();
  });
});

function action(namespace: string, name: string, updatedCode = 'function main(){return {}}'): ActionInput {
  return {
    _id: entityDocId(namespace, name),
    namespace,
    name,
    version: '0.0.1',
    publish: false,
    exec: { kind: 'nodejs:20', code: updatedCode, binary: false },
    parameters: [{ key: 'name', value: 'World' }],
    limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 },
    annotations: [{ key: 'exec', value: 'nodejs:20' }],
  };
}

describe('ActionStore', () => {
  it('creates, refuses a second create, overwrites, reads and deletes in OpenWhisk’s shape', async () => {
    const actions = new ActionStore(couch);
    const created = await actions.put(action('guest', 'hello'));
    expect(created).toMatchObject({
      _id: 'guest/hello',
      entityType: 'action',
      namespace: 'guest',
      name: 'hello',
    });
    expect(created._rev).toMatch(/^1-/);
    expect(typeof created.updated).toBe('number');
    await expect(actions.put(action('guest', 'hello'))).rejects.toBeInstanceOf(ActionExistsError);

    const replaced = await actions.put(action('guest', 'hello', 'function main(){return {v:2}}'), {
      overwrite: true,
    });
    expect(replaced._rev).toMatch(/^2-/);
    expect(replaced.updated).toBeGreaterThanOrEqual(created.updated);
    const read = await actions.get('guest/hello');
    expect(read?.exec.code).toBe('function main(){return {v:2}}');
    expect(read?._rev).toBe(replaced._rev);

    expect((await actions.delete('guest/hello'))?.name).toBe('hello');
    expect(await actions.get('guest/hello')).toBeUndefined();
    expect(await actions.delete('guest/hello')).toBeUndefined();
  });

  it('lists ActionMeta summaries of a namespace, packaged actions included, newest first, with limit and skip', async () => {
    const actions = new ActionStore(couch);
    for (const name of ['a1', 'a2', 'a3']) {
      await actions.put(action('lister', name));
      await new Promise((r) => setTimeout(r, 5));
    }
    await actions.put(action('lister/pkg', 'inpkg'));
    await actions.put(action('someone-else', 'x'));
    const all = await actions.list('lister');
    expect(all.map((a) => a.name)).toEqual(['inpkg', 'a3', 'a2', 'a1']);
    expect(all[1]).toEqual({
      namespace: 'lister',
      name: 'a3',
      version: '0.0.1',
      publish: false,
      annotations: [{ key: 'exec', value: 'nodejs:20' }],
      limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 },
      exec: { binary: false },
      updated: expect.any(Number),
    });
    expect((await actions.list('lister', { limit: 2, skip: 1 })).map((a) => a.name)).toEqual(['a3', 'a2']);
    expect((await actions.list('lister/pkg')).map((a) => a.name)).toEqual(['inpkg']);
    expect(await actions.count('lister')).toBe(4);
  });
});

function activation(
  namespace: string,
  name: string,
  id: string,
  start: number,
  extra: Partial<ActivationRecord> = {},
): ActivationRecord {
  return {
    namespace,
    name,
    subject: namespace,
    activationId: id,
    start,
    end: start + 10,
    duration: 10,
    response: { statusCode: 0, result: { ok: true } },
    logs: [],
    version: '0.0.1',
    publish: false,
    annotations: [{ key: 'path', value: `${namespace}/${name}` }],
    ...extra,
  };
}

describe('ActivationStore', () => {
  it('writes records in batches and reads them back by namespace and id', async () => {
    const activations = new ActivationStore(couch, { flushMs: 20 });
    const writes = Array.from({ length: 50 }, (_, i) =>
      activations.put(activation('acts', 'hello', `id${String(i).padStart(30, '0')}`, 1000 + i)),
    );
    const outcomes = await Promise.all(writes);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const doc = await activations.get('acts', `id${'7'.padStart(30, '0')}`);
    expect(doc).toMatchObject({
      _id: `acts/id${'7'.padStart(30, '0')}`,
      entityType: 'activation',
      start: 1007,
    });
    expect(typeof doc?.updated).toBe('number');
    expect(await activations.get('other', `id${'7'.padStart(30, '0')}`)).toBeUndefined();
    await activations.close();
  });

  it('lists newest first with since, upto, limit, skip and OpenWhisk’s name filter', async () => {
    const activations = new ActivationStore(couch, { flushMs: 5 });
    const ns = 'filters';
    const records = [
      activation(ns, 'hello', 'a1', 100),
      activation(ns, 'hello', 'a2', 200),
      activation(ns, 'world', 'a3', 300),
      // A packaged action: path has three segments, so it is filtered as pkg/name.
      activation(ns, 'hello', 'a4', 400, { annotations: [{ key: 'path', value: `${ns}/pkg/hello` }] }),
      // Invoked through a binding: the binding's package name counts.
      activation(ns, 'hello', 'a5', 500, {
        annotations: [
          { key: 'path', value: 'other/pkg/hello' },
          { key: 'binding', value: `${ns}/mybind` },
        ],
      }),
      activation('elsewhere', 'hello', 'a6', 600),
    ];
    await Promise.all(records.map((r) => activations.put(r)));
    const ids = (list: { activationId: string }[]) => list.map((a) => a.activationId);

    expect(ids(await activations.list(ns))).toEqual(['a5', 'a4', 'a3', 'a2', 'a1']);
    expect(ids(await activations.list(ns, { since: 200, upto: 400 }))).toEqual(['a4', 'a3', 'a2']);
    expect(ids(await activations.list(ns, { limit: 2, skip: 1 }))).toEqual(['a4', 'a3']);
    expect(ids(await activations.list(ns, { name: 'hello' }))).toEqual(['a2', 'a1']);
    expect(ids(await activations.list(ns, { name: 'pkg/hello' }))).toEqual(['a4']);
    expect(ids(await activations.list(ns, { name: 'mybind/hello' }))).toEqual(['a5']);
    expect(ids(await activations.list(ns, { name: 'hello', since: 150 }))).toEqual(['a2']);
    expect(await activations.count(ns)).toBe(5);
    expect(await activations.count(ns, { name: 'hello' })).toBe(2);

    const [brief] = await activations.list(ns, { limit: 1 });
    expect(brief).toEqual({
      namespace: ns,
      name: 'hello',
      version: '0.0.1',
      publish: false,
      annotations: records[4]!.annotations,
      activationId: 'a5',
      start: 500,
      end: 510,
      duration: 10,
      statusCode: 0,
    });
    const [full] = await activations.listDocs(ns, { limit: 1 });
    expect(full?.response).toEqual({ statusCode: 0, result: { ok: true } });
    await activations.close();
  });
});

describe('PlacementStore', () => {
  it('writes placements in batches, fetches them together and finds activations by color', async () => {
    const placements = new PlacementStore(couch, { flushMs: 10 });
    const base = {
      namespace: 'guest',
      policy: 'least-assigned',
      home: 1,
      forced: false,
      spilled: false,
      controller: 'palette0',
    };
    const writes = [];
    for (let i = 0; i < 30; i++) {
      writes.push(
        placements.record({
          ...base,
          activationId: `p${i}`,
          color: i % 3 === 0 ? 'red' : 'blue',
          invoker: i % 4,
          time: 1000 + i,
        }),
      );
    }
    writes.push(placements.record({ ...base, activationId: 'uncolored', invoker: 2, time: 5000 }));
    writes.push(
      placements.record({
        ...base,
        namespace: 'other',
        activationId: 'o1',
        color: 'red',
        invoker: 0,
        time: 10,
      }),
    );
    expect((await Promise.all(writes)).every((o) => o.ok)).toBe(true);

    expect(await placements.get('p4')).toEqual({
      ...base,
      activationId: 'p4',
      color: 'blue',
      invoker: 0,
      time: 1004,
    });
    const many = await placements.getMany(['p0', 'p1', 'missing', 'uncolored']);
    expect([...many.keys()].sort()).toEqual(['p0', 'p1', 'uncolored']);
    expect(many.get('uncolored')?.color).toBeUndefined();

    const red = await placements.activationIdsByColor('guest', 'red');
    expect(red).toEqual(['p27', 'p24', 'p21', 'p18', 'p15', 'p12', 'p9', 'p6', 'p3', 'p0']);
    expect(await placements.activationIdsByColor('guest', 'red', { limit: 2, skip: 1 })).toEqual([
      'p24',
      'p21',
    ]);
    expect(await placements.activationIdsByColor('guest', 'red', { since: 1010, upto: 1020 })).toEqual([
      'p18',
      'p15',
      'p12',
    ]);
    expect(await placements.activationIdsByColor('other', 'red')).toEqual(['o1']);
    await placements.close();
  });
});

describe('BulkWriter', () => {
  it('groups writes into _bulk_docs requests and reports each document’s own outcome', async () => {
    const writer = new BulkWriter<{ _id: string; n: number }>(bulkDocs(couch, 'placements'), {
      maxBatch: 500,
      flushMs: 20,
    });
    const first = await Promise.all(
      Array.from({ length: 1200 }, (_, n) => writer.write({ _id: `bw-${n}`, n })),
    );
    expect(first.every((o) => o.ok)).toBe(true);
    expect(writer.requests).toBe(3);
    const again = await Promise.all([
      writer.write({ _id: 'bw-1', n: 1 }),
      writer.write({ _id: 'bw-new', n: 0 }),
    ]);
    expect(again.map((o) => (o.ok ? 'ok' : o.error))).toEqual(['conflict', 'ok']);
    await writer.close();
    expect(await writer.write({ _id: 'late', n: 0 })).toMatchObject({ ok: false, error: 'closed' });
  });
});
