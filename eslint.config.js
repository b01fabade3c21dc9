import fs from 'node:fs';
import { URL } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The dependency map (deps-map.json: src/<folder> -> the src/<folder>s it may import) as one
 * `@typescript-eslint/no-restricted-imports` block per folder and directory depth. The rule sees
 * only the import's text, so each block matches exactly the `../` count that leaves the folder
 * from that depth: `../store/x.js` from src/balancer/a.ts and `../../store/x.js` from
 * src/balancer/policies/b.ts are both src/store, while `../common.js` from the latter is not.
 */
function dependencyRules() {
  const srcDir = new URL('./src/', import.meta.url);
  const map = JSON.parse(fs.readFileSync(new URL('./deps-map.json', import.meta.url), 'utf8'));
  const mapped = Object.keys(map).filter((key) => !key.startsWith('$'));
  const folders = fs
    .readdirSync(srcDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  // A folder without an entry would be unrestricted (and unrestricting): refuse to lint instead.
  for (const folder of folders) {
    if (!mapped.includes(folder))
      throw new Error(`deps-map.json has no entry for src/${folder}: add one (and its README row)`);
  }
  for (const folder of mapped) {
    for (const target of [folder, ...map[folder]]) {
      if (!folders.includes(target))
        throw new Error(`deps-map.json names src/${target}, which does not exist`);
    }
  }
  const blocks = [];
  for (const folder of mapped) {
    const allowed = map[folder];
    const forbidden = folders.filter((target) => target !== folder && !allowed.includes(target));
    if (forbidden.length === 0) continue;
    const may = allowed.length > 0 ? allowed.map((f) => `src/${f}`).join(', ') : 'nothing else of ours';
    for (let depth = 0; depth <= deepestDirectory(new URL(`${folder}/`, srcDir)); depth++) {
      // Leaving src/<folder> from this depth, or going round through src/ itself.
      const out = `(?:(?:\\.\\./){${depth + 1}}|(?:\\.\\./)+src/)`;
      blocks.push({
        files: [`src/${folder}/${'*/'.repeat(depth)}*.{ts,mts,cts,js,mjs,cjs}`],
        rules: {
          '@typescript-eslint/no-restricted-imports': [
            'error',
            {
              patterns: forbidden.map((target) => ({
                regex: `^${out}${target}(?:/|$)`,
                message: `src/${folder} may not import src/${target}; it may import ${may} (deps-map.json).`,
              })),
            },
          ],
        },
      });
    }
  }
  return blocks;
}

/** How many directory levels lie below `dir` (0 when it has no subdirectory). */
function deepestDirectory(dir) {
  let deepest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory())
      deepest = Math.max(deepest, 1 + deepestDirectory(new URL(`${entry.name}/`, dir)));
  }
  return deepest;
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.cache/**',
      'results/**',
      'deploy/**/*.yaml',
      // Breaks the dependency map on purpose; test/unit/deps-map.test.ts lints it under a src path.
      'test/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['actions/**/*.js', 'scripts/**/*.{js,mjs}'],
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly' },
    },
  },
  {
    // The dashboard's page script runs in the browser, served as it is (no build step).
    files: ['src/api/dashboard/static/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        document: 'readonly',
        performance: 'readonly',
        EventSource: 'readonly',
        URLSearchParams: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
  ...dependencyRules(),
);
