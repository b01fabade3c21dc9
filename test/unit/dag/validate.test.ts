import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockPlacement,
  chainColoring,
  DagError,
  validateDag,
  virtualWorkers,
  type DagTask,
} from '../../../src/dag/index.js';
import { arbitraryDag } from './arbitraries.js';

/** The DagError `run` throws (fails the test when it returns instead). */
function refusal(run: () => unknown): DagError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(DagError);
    return err as DagError;
  }
  throw new Error('expected a DagError, nothing was thrown');
}

const everyEntry = [
  (dag: DagTask[]) => validateDag(dag),
  (dag: DagTask[]) => chainColoring(dag),
  (dag: DagTask[]) => virtualWorkers(dag, 3),
  (dag: DagTask[]) => blockPlacement(dag, [0, 1]),
];

describe('validateDag', () => {
  it('orders any DAG topologically, keeping every task and its dependencies', () => {
    fc.assert(
      fc.property(arbitraryDag(), (dag) => {
        const valid = validateDag(dag);
        expect([...valid.ids].sort()).toEqual(dag.map((t) => t.id).sort());
        const byId = new Map(dag.map((t) => [t.id, t]));
        valid.tasks.forEach((task, i) => {
          for (const input of task.inputs) expect(input).toBeLessThan(i);
          const given = byId.get(valid.ids[i]!)!;
          expect(task.inputs.map((d) => valid.ids[d]).sort()).toEqual([...new Set(given.deps)].sort());
          expect(task.outputBytes).toBe(given.outputBytes);
          expect(task.computeMs).toBe(given.computeMs);
        });
      }),
    );
  });

  it('keeps an order that is already topological', () => {
    const dag = [
      { id: 'a', deps: [] },
      { id: 'c', deps: ['a'] },
      { id: 'b', deps: [] },
      { id: 'd', deps: ['b', 'c'] },
    ];
    expect(validateDag(dag).ids).toEqual(['a', 'c', 'b', 'd']);
  });

  it('refuses a cycle, naming a task on it and the cycle, through every entry point', () => {
    let cycles = 0;
    fc.assert(
      fc.property(arbitraryDag(30), fc.nat(), fc.nat(), (dag, i, j) => {
        // In topological order, make an earlier task depend on a later (or on itself): a cycle
        // exactly when the later one already reaches the earlier.
        const { ids } = validateDag(dag);
        const early = Math.min(i % ids.length, j % ids.length);
        const late = Math.max(i % ids.length, j % ids.length);
        const cyclic = dag.map((t) => (t.id === ids[early] ? { ...t, deps: [...t.deps, ids[late]!] } : t));
        if (!dependsOn(cyclic, ids[late]!, ids[early]!)) {
          for (const entry of everyEntry) expect(() => entry(cyclic)).not.toThrow();
          return;
        }
        cycles++;
        for (const entry of everyEntry) {
          const error = refusal(() => entry(cyclic));
          expect(error.problem).toBe('cycle');
          expect(error.message).toContain(`task ${JSON.stringify(error.task)} is on a dependency cycle`);
          expect(onCycle(cyclic, error.task)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
    expect(cycles).toBeGreaterThan(20);
  });

  it('refuses a self-dependency', () => {
    const error = refusal(() => validateDag([{ id: 'x', deps: ['x'] }]));
    expect(error).toMatchObject({ task: 'x', problem: 'cycle' });
    expect(error.message).toBe('task "x" is on a dependency cycle: "x" -> "x" (each depends on the next)');
  });

  it('refuses a dependency on a missing task, naming the task and the dependency', () => {
    fc.assert(
      fc.property(arbitraryDag(30), fc.nat(), (dag, k) => {
        const victim = dag[k % dag.length]!;
        const missing = `${victim.id}-missing`;
        if (dag.some((t) => t.id === missing)) return;
        const broken = dag.map((t) => (t === victim ? { ...t, deps: [...t.deps, missing] } : t));
        for (const entry of everyEntry) {
          const error = refusal(() => entry(broken));
          expect(error).toMatchObject({ task: victim.id, problem: 'missing-dependency' });
          expect(error.message).toContain(JSON.stringify(victim.id));
          expect(error.message).toContain(JSON.stringify(missing));
        }
      }),
    );
  });

  it('refuses a duplicate task id, naming it and both positions', () => {
    fc.assert(
      fc.property(arbitraryDag(30), fc.nat(), (dag, k) => {
        const copy = { ...dag[k % dag.length]!, deps: [] };
        const doubled = [...dag, copy];
        for (const entry of everyEntry) {
          const error = refusal(() => entry(doubled));
          expect(error).toMatchObject({ task: copy.id, problem: 'duplicate-id' });
          expect(error.message).toBe(
            `task id ${JSON.stringify(copy.id)} is given twice (tasks #${k % dag.length} and #${dag.length})`,
          );
        }
      }),
    );
  });

  it('refuses malformed tasks with a message naming them', () => {
    const bad = (task: unknown) => refusal(() => validateDag([{ id: 'ok', deps: [] }, task as DagTask]));
    expect(bad({ deps: [] }).message).toBe('task #1 has no id (a non-empty string)');
    expect(bad({ id: '', deps: [] }).problem).toBe('malformed');
    expect(bad({ id: 'y' }).message).toBe('task "y": deps must be an array of task ids');
    expect(bad({ id: 'y', deps: [3] }).task).toBe('y');
    expect(bad({ id: 'y', deps: [], outputBytes: -1 }).message).toBe(
      'task "y": outputBytes must be a non-negative number, got -1',
    );
    expect(bad({ id: 'y', deps: [], computeMs: 'slow' }).message).toContain('computeMs');
    expect(bad(null).task).toBe('#1');
  });

  it('handles a chain of 200,000 tasks without overflowing the stack', () => {
    const n = 200_000;
    // Listed backwards, so the depth-first walk goes the whole length of the chain.
    const dag = Array.from({ length: n }, (_, k) => ({
      id: `t${n - 1 - k}`,
      deps: k === n - 1 ? [] : [`t${n - 2 - k}`],
    }));
    const valid = validateDag(dag);
    expect(valid.ids[0]).toBe('t0');
    expect(valid.ids[n - 1]).toBe(`t${n - 1}`);
    expect(new Set(chainColoring(valid).values()).size).toBe(1);
  });
});

/** Whether task `a` reaches task `b` by following deps. */
function dependsOn(dag: readonly DagTask[], a: string, b: string): boolean {
  const byId = new Map(dag.map((t) => [t.id, t]));
  const seen = new Set<string>();
  const stack = [a];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v === b) return true;
    if (seen.has(v)) continue;
    seen.add(v);
    stack.push(...(byId.get(v)?.deps ?? []));
  }
  return false;
}

/** Whether `task` reaches itself through one dependency or more. */
function onCycle(dag: readonly DagTask[], task: string): boolean {
  const byId = new Map(dag.map((t) => [t.id, t]));
  return byId.get(task)!.deps.some((d) => dependsOn(dag, d, task));
}
