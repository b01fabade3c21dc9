/** fast-check generators of application DAGs: tasks with string ids, deps on earlier tasks, shuffled. */
import fc from 'fast-check';
import type { DagTask } from '../../../src/dag/index.js';

/**
 * A DAG of 1..maxTasks tasks: task k depends on a random subset of tasks 0..k-1 (at most
 * maxDeps), ids are distinct strings, and the list is shuffled so its order is not topological.
 */
export function arbitraryDag(maxTasks = 40, maxDeps = 4): fc.Arbitrary<DagTask[]> {
  return fc
    .integer({ min: 1, max: maxTasks })
    .chain((n) =>
      fc.tuple(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { minLength: n, maxLength: n }),
        fc.tuple(
          ...Array.from({ length: n }, (_, k) =>
            fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, k - 1) }), {
              maxLength: k === 0 ? 0 : Math.min(k, maxDeps),
            }),
          ),
        ),
        fc.array(fc.integer({ min: 0, max: 1 << 20 }), { minLength: n, maxLength: n }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: n, maxLength: n }),
        fc.func(fc.integer()),
      ),
    )
    .map(([ids, deps, bytes, compute, rank]) => {
      const tasks: DagTask[] = ids.map((id, k) => ({
        id,
        deps: deps[k]!.map((d) => ids[d]!),
        outputBytes: bytes[k]!,
        computeMs: compute[k]!,
      }));
      return tasks
        .map((task, k) => ({ task, key: rank(k) }))
        .sort((a, b) => a.key - b.key)
        .map((e) => e.task);
    });
}

/** Task Bench's stencil (i-1, i, i+1) and fft (butterfly) as application DAGs. */
export function stencilOrFft(pattern: 'stencil' | 'fft', width: number, steps: number): DagTask[] {
  const tasks: DagTask[] = [];
  const log = Math.max(1, Math.log2(width));
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < width; i++) {
      let deps: number[] = [];
      if (t > 0)
        deps =
          pattern === 'stencil'
            ? [i - 1, i, i + 1].filter((j) => j >= 0 && j < width)
            : width === 1
              ? [i]
              : [...new Set([i, i ^ (1 << ((t - 1) % log))])];
      tasks.push({ id: `t${t}p${i}`, deps: deps.map((j) => `t${t - 1}p${j}`) });
    }
  }
  return tasks;
}
