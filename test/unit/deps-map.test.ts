import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

// The dependency map (deps-map.json) is enforced by `npm run lint`; these tests prove that the
// generated rules report an import against the map and only those, that the map itself keeps the
// project's directions, and that no import cycle exists between the files of src.

const root = fileURLToPath(new URL('../../', import.meta.url));
const rawMap = JSON.parse(readFileSync(path.join(root, 'deps-map.json'), 'utf8')) as Record<string, unknown>;
const depsMap = Object.fromEntries(
  Object.entries(rawMap).filter(([key]) => !key.startsWith('$')) as [string, string[]][],
);
const srcFolders = readdirSync(path.join(root, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const rule = '@typescript-eslint/no-restricted-imports';

describe('the dependency map, as lint rules', () => {
  let eslint: ESLint;
  const fixture = readFileSync(path.join(root, 'test/fixtures/deps-map/store-import.ts'), 'utf8');

  /** Rule violations of `code` linted as if it were the file at `filePath` (relative to the root). */
  async function violations(code: string, filePath: string): Promise<{ line: number; message: string }[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
    return result!.messages.filter((m) => m.ruleId === rule).map(({ line, message }) => ({ line, message }));
  }

  beforeAll(() => {
    eslint = new ESLint({ cwd: root });
  });

  it('reports the fixture importing src/store from src/balancer, and not its import of its own folder', async () => {
    const found = await violations(fixture, 'src/balancer/fixture.ts');
    expect(found).toHaveLength(1);
    expect(found[0]!.line).toBe(fixture.split('\n').findIndex((l) => l.includes('../store/couch.js')) + 1);
    expect(found[0]!.message).toContain('src/balancer may not import src/store');
  });

  it('accepts the same import where the map allows it (src/platform)', async () => {
    expect(await violations(fixture, 'src/platform/fixture.ts')).toEqual([]);
  });

  it('reports it from src/invoker, which knows only the wire', async () => {
    expect(await violations(fixture, 'src/invoker/fixture.ts')).toHaveLength(1);
  });

  it('counts the ../ that leave the folder from a subdirectory', async () => {
    const deep =
      "import type { CouchConnection } from '../../store/couch.js';\nexport type C = CouchConnection;\n";
    expect(await violations(deep, 'src/balancer/policies/fixture.ts')).toHaveLength(1);
    // One level up from src/balancer/policies is still src/balancer.
    const own = "import { checkInvokerId } from '../common.js';\nexport const check = checkInvokerId;\n";
    expect(await violations(own, 'src/balancer/policies/fixture.ts')).toEqual([]);
  });

  it('catches type-only imports, re-exports and the way round through src/', async () => {
    const code = [
      "import type { Config } from '../platform/config.js';",
      "export { loadConfig } from '../platform/config.js';",
      "import type { Stores } from '../../src/store/index.js';",
      'export type Both = [Config, Stores];',
      '',
    ].join('\n');
    expect((await violations(code, 'src/messaging/fixture.ts')).map((v) => v.line)).toEqual([1, 2, 3]);
  });

  it('keeps the controller core away from HTTP and everything away from src/platform', async () => {
    const api = "import { createApi } from '../api/app.js';\nexport const api = createApi;\n";
    expect(await violations(api, 'src/controller/fixture.ts')).toHaveLength(1);
    const allowed =
      "import { activationIdSchema } from '../protocol/index.js';\nexport const id = activationIdSchema;\n";
    expect(await violations(allowed, 'src/controller/fixture.ts')).toEqual([]);
  });
});

describe('the dependency map itself', () => {
  it('has an entry for every src folder, naming only src folders', () => {
    expect(Object.keys(depsMap).sort()).toEqual([...srcFolders].sort());
    for (const allowed of Object.values(depsMap))
      for (const target of allowed) expect(srcFolders).toContain(target);
  });

  it('keeps the intended directions', () => {
    expect(depsMap.protocol).toEqual([]);
    for (const target of depsMap.balancer!) expect(target).toBe('protocol');
    expect(depsMap.invoker).not.toContain('controller');
    expect(depsMap.invoker).not.toContain('balancer');
    expect(depsMap.controller).not.toContain('api');
    for (const [folder, allowed] of Object.entries(depsMap))
      if (folder !== 'platform') expect(allowed, `src/${folder}`).not.toContain('platform');
  });

  it('has no cycle between folders', () => {
    expect(cycles(new Map(Object.entries(depsMap)))).toEqual([]);
  });
});

describe('imports between the files of src', () => {
  it('form no cycle (type-only imports included)', () => {
    expect(cycles(srcImportGraph())).toEqual([]);
  });
});

/** Every file of src and the src files it imports (relative specifiers, `.js` written for `.ts`). */
function srcImportGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (/\.[cm]?[jt]s$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
        const targets = importedFiles
          .map((i) => i.fileName)
          .filter((name) => name.startsWith('.'))
          .map((name) => resolve(path.resolve(path.dirname(file), name)))
          .filter((target): target is string => target !== undefined);
        graph.set(path.relative(root, file), targets);
      }
    }
  };
  const resolve = (target: string): string | undefined => {
    const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts')];
    const found = candidates.find((c) => existsSync(c) && !c.endsWith('.d.ts'));
    return found && path.relative(root, found);
  };
  visit(path.join(root, 'src'));
  return graph;
}

/** The strongly connected components of more than one node, or with a self-edge (Tarjan). */
function cycles(graph: Map<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) connect(node);
  return found;
}
