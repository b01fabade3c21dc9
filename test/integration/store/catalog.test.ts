/**
 * The whisk.system/utils catalog against the real pouchdb-server: seeded when absent, never
 * updated (DECISIONS R19), completed after an interrupted seed, and every document it writes is
 * what OpenWhisk's own parsers accept.
 */
import { describe, expect, it } from 'vitest';
import { ActionStore } from '../../../src/store/action-store.js';
import { catalogPackageDocument, seedCatalog, utilsActions } from '../../../src/store/catalog.js';
import { PackageStore } from '../../../src/store/package-store.js';
import { owcParse, owcSkipReason } from '../../support/owc.js';
import { connect, uniquePrefix } from './support.js';

async function storesFor(tag: string) {
  const couch = await connect(uniquePrefix(tag));
  return { couch, actions: new ActionStore(couch), packages: new PackageStore(couch) };
}

describe('the utils catalog', () => {
  it('is seeded once: a second start changes nothing, an edited action stays edited', async () => {
    const stores = await storesFor('catalog');
    expect(await seedCatalog(stores)).toBe(true);
    const pkg = await stores.packages.get('whisk.system/utils');
    expect(pkg).toMatchObject({ publish: true, binding: {}, namespace: 'whisk.system' });
    const echo = await stores.actions.get('whisk.system/utils/echo');
    expect(echo).toMatchObject({
      namespace: 'whisk.system/utils',
      name: 'echo',
      exec: { kind: 'nodejs:20' },
    });
    await stores.actions.put({ ...echo!, exec: { ...echo!.exec, code: '// edited' } }, { overwrite: true });

    expect(await seedCatalog(stores)).toBe(false);
    expect((await stores.actions.get('whisk.system/utils/echo'))?.exec.code).toBe('// edited');
    expect((await stores.packages.get('whisk.system/utils'))?._rev).toBe(pkg?._rev);
    const listed = await stores.actions.list('whisk.system/utils');
    expect(listed.map((a) => a.name).sort()).toEqual(utilsActions.map((a) => a.name).sort());
    expect((await stores.packages.list('whisk.system', { publicOnly: true })).map((p) => p.name)).toEqual([
      'utils',
    ]);
  });

  it('an interrupted seed (actions written, package not) is completed without touching what exists', async () => {
    const stores = await storesFor('catalogpart');
    await seedCatalog(stores);
    const before = await stores.actions.get('whisk.system/utils/sort');
    await stores.packages.delete((await stores.packages.get('whisk.system/utils'))!);
    await stores.actions.delete('whisk.system/utils/date');
    expect(await seedCatalog(stores)).toBe(true);
    expect((await stores.actions.get('whisk.system/utils/sort'))?._rev).toBe(before?._rev);
    expect(await stores.actions.get('whisk.system/utils/date')).toBeDefined();
    expect(await stores.packages.get('whisk.system/utils')).toBeDefined();
  });

  it('without its code (an image built without actions/utils) it seeds nothing and does not fail', async () => {
    const stores = await storesFor('catalogmissing');
    expect(await seedCatalog(stores, { codeDir: new URL('file:///nonexistent-palette-catalog/') })).toBe(
      false,
    );
    expect(await stores.packages.get('whisk.system/utils')).toBeUndefined();
    expect(await stores.actions.list('whisk.system/utils')).toEqual([]);
  });

  it.skipIf(owcSkipReason())('writes documents OpenWhisk reads as a package and as actions', async () => {
    const stores = await storesFor('catalogowc');
    await seedCatalog(stores);
    const pkg = await stores.packages.get(catalogPackageDocument(0)._id);
    const [pkgVerdict] = owcParse('package', [JSON.stringify(pkg)]);
    expect(pkgVerdict).toMatchObject({ ok: true });
    const actions = await Promise.all(
      utilsActions.map((a) => stores.actions.get(`whisk.system/utils/${a.name}`)),
    );
    const verdicts = owcParse(
      'action',
      actions.map((a) => JSON.stringify(a)),
    );
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
  });
});

describe("OpenWhisk's whisks design document", () => {
  it('an existing one without the package, trigger and rule views gets them added; its own views are left as they are', async () => {
    const prefix = uniquePrefix('ddoc');
    const couch = await connect(prefix);
    const db = couch.db<Record<string, unknown>>('whisks');
    const ddoc = (await db.get('_design/whisks.v2.1.0')) as unknown as Record<string, unknown> & {
      views: Record<string, { map: string }>;
    };
    // As an older Palette (or a hand-made deployment) left it: only `actions`, with its own map.
    const ownMap = 'function (doc) { if (doc.exec) emit([doc.namespace, doc.updated], null); }';
    await db.insert({ ...ddoc, views: { actions: { map: ownMap, reduce: '_count' } } });
    await connect(prefix);
    const upgraded = (await db.get('_design/whisks.v2.1.0')) as unknown as {
      views: Record<string, { map: string }>;
    };
    expect(upgraded.views.actions?.map).toBe(ownMap);
    expect(Object.keys(upgraded.views).sort()).toEqual([
      'actions',
      'packages',
      'packages-public',
      'rules',
      'triggers',
    ]);
  });
});
