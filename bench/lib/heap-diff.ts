/**
 * Compares two V8 heap snapshots (as written by `kill -USR2` under `npm run bench:soak --
 * --heap-signal`, which collects garbage first): total live heap, and the constructors whose live
 * size grew most between them. Used to tell a leak from a heap that is merely given more room.
 *
 *   npx tsx bench/lib/heap-diff.ts early.heapsnapshot late.heapsnapshot [--top 20]
 */
import { readFileSync } from 'node:fs';
import { commandLine, numberOption } from '../../src/platform/cli.js';
import { runMain } from '../../src/platform/start-errors.js';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Live bytes and object count per "type:name" (objects by constructor, strings, code, ...). */
export function summarize(snapshot: Snapshot): Map<string, { bytes: number; count: number }> {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const name =
      type === 'object' || type === 'closure' ? snapshot.strings[snapshot.nodes[i + nameAt]!]! : '';
    const key = `${type}:${name}`;
    const entry = out.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += snapshot.nodes[i + sizeAt]!;
    entry.count++;
    out.set(key, entry);
  }
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const files = args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  const values = commandLine(
    {
      name: 'heap-diff',
      usage: 'npx tsx bench/lib/heap-diff.ts early.heapsnapshot late.heapsnapshot [--top 20]',
      options: { top: { type: 'string', default: '20' } },
    },
    args.filter((a) => !files.includes(a)),
  );
  if (files.length !== 2) throw new Error('give two .heapsnapshot files');
  const top = numberOption('top', values.top, 1);
  const [early, late] = files.map((f) => summarize(JSON.parse(readFileSync(f, 'utf8')) as Snapshot));
  const total = (m: Map<string, { bytes: number }>) => [...m.values()].reduce((s, e) => s + e.bytes, 0);
  const mb = (b: number) => (b / 2 ** 20).toFixed(2);
  console.log(`live heap: ${mb(total(early!))} MB -> ${mb(total(late!))} MB`);
  const rows = [...late!.entries()]
    .map(([key, e]) => {
      const before = early!.get(key) ?? { bytes: 0, count: 0 };
      return { key, grew: e.bytes - before.bytes, count: e.count - before.count, bytes: e.bytes };
    })
    .sort((a, b) => b.grew - a.grew)
    .slice(0, top);
  console.log('| type:name | grew (MB) | count grew | live (MB) |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.key} | ${mb(r.grew)} | ${r.count} | ${mb(r.bytes)} |`);
}

runMain('heap-diff', main);
