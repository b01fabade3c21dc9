import { ColorTable } from '../src/balancer/color-table.ts';
let SLACK = 0;
function rng(seed: number) { let s = seed >>> 0; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32); }
function shuffle<T>(a: T[], r: () => number) { for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [a[i], a[j]] = [a[j]!, a[i]!]; } return a; }
// Two replicas each get every one of the same new colors, in their own (locally shuffled) order, and
// learn the other's decisions `lag` steps later; the first decision each makes for a color is compared.
function run(n: number, colors: number, lag: number, window: number, seed: number, legacy: boolean) {
  const r = rng(seed);
  const names = Array.from({ length: colors }, (_, i) => `user-${seed}-${i}`);
  // B sees the colors in nearly A's order: each displaced within a window (requests reach the two
  // controllers at nearly the same moments).
  const orderA = names; const orderB = names.map((c, i) => [i + r() * window, c] as const).sort((x, y) => x[0] - y[0]).map((x) => x[1]);
  const tables = [new ColorTable({slack: SLACK}), new ColorTable({slack: SLACK})];
  const ids = Array.from({ length: n }, (_, i) => i);
  const first = [new Map<string, number>(), new Map<string, number>()];
  const log: { at: number; by: number; color: string; inv: number }[] = [];
  const pick = (t: ColorTable, c: string) => legacy ? t.leastAssigned(ids)! : t.choose(c, ids)!;
  for (let step = 0; step < colors; step++) {
    for (const [k, order] of [[0, orderA], [1, orderB]] as const) {
      const c = order[step]!; const t = tables[k]!;
      if (t.get(c) === undefined) { const inv = pick(t, c); t.adopt(c, inv); first[k]!.set(c, inv); log.push({ at: step, by: k, color: c, inv }); }
    }
    // deliver decisions made `lag` steps ago to the other replica (first writer wins, as the store's create-only doc)
    while (log.length && log[0]!.at <= step - lag) { const e = log.shift()!; const other = tables[1 - e.by]!; if (other.get(e.color) === undefined) other.adopt(e.color, e.inv); }
  }
  let both = 0, agree = 0;
  for (const c of names) { const x = first[0]!.get(c), y = first[1]!.get(c); if (x !== undefined && y !== undefined) { both++; if (x === y) agree++; } }
  let max = 0, min = Infinity; for (const id of ids) { max = Math.max(max, tables[0]!.countFor(id)); min = Math.min(min, tables[0]!.countFor(id)); }
  return { agree: both ? agree / both : 1, both, spread: max - min };
}
for (const SL of [0,2,4,8,16]) { SLACK = SL; console.log('slack', SL);  for (const legacy of [false]) for (const n of [2, 4, 24]) for (const [lag, window] of [[5, 5], [20, 20], [50, 50]]) {
  let ag = 0, sp = 0, bo = 0; const R = 5;
  for (let s = 1; s <= R; s++) { const x = run(n, 1000, lag, window, s, legacy); ag += x.agree; sp = Math.max(sp, x.spread); bo += x.both; }
  console.log(`${legacy ? 'fewest/lowest-id' : 'near-least+hash '} N=${n} lag=${lag} window=${window}: agreement ${(100 * ag / R).toFixed(2)}% (of ${Math.round(bo / R)} colors decided by both), max spread ${sp}`);
}
}
