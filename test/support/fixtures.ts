import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const fixturesDir = fileURLToPath(new URL('../fixtures/openwhisk/', import.meta.url));

export interface Fixture {
  kind: string;
  label: string;
  json: string;
}

/** OpenWhisk's own samples (`ow-conformance sample KIND --labeled`), one `label<TAB>json` per line. */
export function openwhiskFixtures(kind?: string): Fixture[] {
  const files = readdirSync(fixturesDir).filter((f) => f.endsWith('.tsv'));
  return files
    .map((f) => f.replace(/\.tsv$/, ''))
    .filter((k) => kind === undefined || k === kind)
    .flatMap((k) =>
      readFileSync(join(fixturesDir, `${k}.tsv`), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
          const tab = line.indexOf('\t');
          return { kind: k, label: line.slice(0, tab), json: line.slice(tab + 1) };
        }),
    );
}
