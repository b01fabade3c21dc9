/**
 * The `whisk.system/utils` catalog every OpenWhisk install has (apache/openwhisk-catalog
 * packages/utils): a published package with echo, cat, sort, head, split, smash and date, whose
 * Node.js code is written here in `actions/utils/`. Seeded at start only when the package is
 * absent, and never updated (DECISIONS R19): an operator's own changes to it survive restarts.
 * The actions are written before the package, so a start that dies half-way leaves no package and
 * the next start completes the missing actions (existing ones are left as they are).
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ActionExistsError, type ActionInput, type ActionStore, type KeyValue } from './action-store.js';
import { isConflict } from './couch.js';
import type { PackageDoc, PackageStore } from './package-store.js';

export const catalogNamespace = 'whisk.system';
export const catalogPackage = 'utils';

interface CatalogAction {
  name: string;
  description: string;
  parameters?: { name: string; required: boolean; type?: string; description: string }[];
  sampleInput?: unknown;
  sampleOutput?: unknown;
}

/** The catalog's descriptions and samples (packages/utils/manifest.yaml), for `wsk package get --summary`. */
export const utilsActions: readonly CatalogAction[] = [
  {
    name: 'echo',
    description: 'Returns the input',
    parameters: [{ name: 'payload', required: false, description: 'Any JSON entity' }],
    sampleInput: { payload: 'Five fuzzy felines' },
    sampleOutput: { payload: 'Five fuzzy felines' },
  },
  {
    name: 'cat',
    description: 'Concatenates input into a string',
    parameters: [
      { name: 'lines', required: true, type: 'array', description: 'An array of strings or numbers' },
    ],
    sampleInput: { lines: [4, 2, 3] },
    sampleOutput: { lines: [4, 2, 3], payload: '4\n2\n3' },
  },
  {
    name: 'smash',
    description: 'Nests all properties under given property',
    parameters: [
      {
        name: '$fieldName',
        required: true,
        type: 'string',
        description: 'Name of property to nest object under',
      },
    ],
    sampleInput: { a: 1, b: { c: 2, d: 3 }, $fieldName: 'p' },
    sampleOutput: { p: { a: 1, b: { c: 2, d: 3 } } },
  },
  {
    name: 'split',
    description: 'Split a string into an array',
    parameters: [
      { name: 'payload', required: true, description: 'A string' },
      {
        name: 'separator',
        required: false,
        description: 'The character, or the regular expression, to use for splitting the string',
      },
    ],
    sampleInput: { payload: 'one,two,three', separator: ',' },
    sampleOutput: { lines: ['one', 'two', 'three'], payload: 'one,two,three' },
  },
  {
    name: 'sort',
    description: 'Sorts an array',
    parameters: [{ name: 'lines', required: true, type: 'array', description: 'An array of strings' }],
    sampleInput: { lines: [4, 2, 3] },
    sampleOutput: { lines: [2, 3, 4], length: 3 },
  },
  {
    name: 'head',
    description: 'Extract prefix of an array',
    parameters: [
      { name: 'lines', required: true, type: 'array', description: 'An array of strings' },
      { name: 'num', required: false, type: 'integer', description: 'The length of the prefix' },
    ],
    sampleInput: { lines: [4, 2, 3], num: 2 },
    sampleOutput: { lines: [4, 2], num: 2 },
  },
  {
    name: 'date',
    description: 'Current date and time',
    sampleOutput: { date: '2016-03-22T00:59:55.961Z' },
  },
];

const catalogKind = 'nodejs:20';

/** `actions/utils/` of this repository (two levels above both src/store and dist/store). */
export const catalogCodeDir = new URL('../../actions/utils/', import.meta.url);

export function catalogActionDocument(action: CatalogAction, code: string, now: number): ActionInput {
  const annotations: KeyValue[] = [{ key: 'description', value: action.description }];
  if (action.parameters) annotations.push({ key: 'parameters', value: action.parameters });
  if (action.sampleInput !== undefined) annotations.push({ key: 'sampleInput', value: action.sampleInput });
  if (action.sampleOutput !== undefined)
    annotations.push({ key: 'sampleOutput', value: action.sampleOutput });
  annotations.push({ key: 'provide-api-key', value: false }, { key: 'exec', value: catalogKind });
  const path = `${catalogNamespace}/${catalogPackage}`;
  return {
    _id: `${path}/${action.name}`,
    entityType: 'action',
    updated: now,
    namespace: path,
    name: action.name,
    version: '0.0.1',
    publish: false,
    exec: { kind: catalogKind, code, binary: false },
    parameters: [],
    limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 },
    annotations,
  };
}

export function catalogPackageDocument(now: number): PackageDoc {
  return {
    _id: `${catalogNamespace}/${catalogPackage}`,
    entityType: 'package',
    namespace: catalogNamespace,
    name: catalogPackage,
    binding: {},
    parameters: [],
    version: '0.0.1',
    publish: true,
    annotations: [{ key: 'description', value: 'Building blocks that format and assemble data' }],
    updated: now,
  };
}

/** Writes whisk.system/utils and its actions unless the package exists. Answers whether it wrote it. */
export async function seedCatalog(
  stores: { actions: ActionStore; packages: PackageStore },
  options: { logger?: Logger; codeDir?: URL; now?: () => number } = {},
): Promise<boolean> {
  const now = options.now ?? Date.now;
  const pkg = catalogPackageDocument(now());
  if (await stores.packages.get(pkg._id)) return false;
  const dir = options.codeDir ?? catalogCodeDir;
  const sources = new Map<string, string>();
  try {
    for (const action of utilsActions)
      sources.set(action.name, await readFile(new URL(`${action.name}.js`, dir), 'utf8'));
  } catch (err) {
    // An image built without actions/utils: the platform works, only the catalog is missing.
    options.logger?.warn({ err: String(err) }, 'whisk.system/utils not seeded: its code is not readable');
    return false;
  }
  for (const action of utilsActions) {
    const code = sources.get(action.name)!;
    try {
      await stores.actions.put(catalogActionDocument(action, code, now()));
    } catch (err) {
      // Left by an earlier, interrupted seed (or written by an operator): never replaced.
      if (!(err instanceof ActionExistsError)) throw err;
    }
  }
  try {
    await stores.packages.put(pkg);
  } catch (err) {
    // Another replica seeded it at the same moment.
    if (!isConflict(err)) throw err;
    return false;
  }
  options.logger?.info({ package: pkg._id, actions: utilsActions.length }, 'seeded the utils catalog');
  return true;
}
