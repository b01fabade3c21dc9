/**
 * The Task Bench shapes the DAG benchmark runs (bench/lib/dag.ts): dom, no-comm and nearest as
 * Task Bench's core defines them, and properties every pattern keeps (topological order, inputs
 * only from the step before, no duplicate inputs).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildDag,
  chainColoring,
  PATTERNS,
  tasksWithoutLocalInput,
  type Pattern,
} from '../../../bench/lib/dag.js';

const points = (dag: ReturnType<typeof buildDag>, step: number) =>
  dag.tasks.filter((t) => t.step === step).map((t) => t.point);
const inputPoints = (dag: ReturnType<typeof buildDag>, id: number) =>
  dag.tasks[id]!.inputs.map((i) => dag.tasks[i]!.point);

describe('dom (Task Bench diamond)', () => {
  it('grows by one point per step, then shrinks from the left, as Task Bench offsets it', () => {
    const dag = buildDag('dom', 4, 7);
    expect([0, 1, 2, 3, 4, 5, 6].map((t) => points(dag, t))).toEqual([
      [0],
      [0, 1],
      [0, 1, 2],
      [0, 1, 2, 3],
      [1, 2, 3],
      [2, 3],
      [3],
    ]);
    expect(dag.tasks).toHaveLength(16);
  });

  it('reads points i-1 and i of the step before, where they exist', () => {
    const dag = buildDag('dom', 4, 7);
    const at = (t: number, i: number) => dag.tasks.find((x) => x.step === t && x.point === i)!.id;
    expect(inputPoints(dag, at(1, 0))).toEqual([0]);
    expect(inputPoints(dag, at(1, 1))).toEqual([0]);
    expect(inputPoints(dag, at(3, 3))).toEqual([2]);
    expect(inputPoints(dag, at(4, 1))).toEqual([0, 1]);
    expect(inputPoints(dag, at(6, 3))).toEqual([2, 3]);
  });

  it('is truncated when steps < 2 x width - 1, as in Task Bench', () => {
    const dag = buildDag('dom', 8, 4);
    expect([0, 1, 2, 3].map((t) => points(dag, t).length)).toEqual([1, 2, 2, 1]);
  });
});

describe('no-comm and nearest', () => {
  it('no-comm: each point reads only itself, so the DAG is width independent chains', () => {
    const dag = buildDag('no-comm', 5, 3);
    for (const task of dag.tasks)
      expect(inputPoints(dag, task.id)).toEqual(task.step === 0 ? [] : [task.point]);
    expect(new Set(chainColoring(dag)).size).toBe(5);
  });

  it('nearest: radix points around i (default 5), clipped at the edges', () => {
    const dag = buildDag('nearest', 8, 2);
    expect(inputPoints(dag, 8 + 0)).toEqual([0, 1, 2]);
    expect(inputPoints(dag, 8 + 4)).toEqual([2, 3, 4, 5, 6]);
    expect(inputPoints(dag, 8 + 7)).toEqual([5, 6, 7]);
    const even = buildDag('nearest', 8, 2, { radix: 4 });
    expect(inputPoints(even, 8 + 4)).toEqual([2, 3, 4, 5]);
    const three = buildDag('nearest', 6, 3, { radix: 3 });
    expect(three.tasks.map((t) => t.inputs)).toEqual(buildDag('stencil', 6, 3).tasks.map((t) => t.inputs));
  });

  it('refuses an unknown pattern and a bad radix', () => {
    expect(() => buildDag('spread' as Pattern, 4, 2)).toThrow(/unknown pattern spread/);
    expect(() => buildDag('nearest', 4, 2, { radix: 0 })).toThrow(/radix/);
  });
});

describe('every pattern', () => {
  it('lists tasks in topological order, inputs from the step before, no duplicates; chain coloring keeps an input local', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Pattern>(...PATTERNS),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 7 }),
        (pattern, logWidth, steps, radix) => {
          const dag = buildDag(pattern, 2 ** logWidth, steps, { radix });
          expect(dag.tasks.length).toBeGreaterThan(0);
          for (const task of dag.tasks) {
            expect(task.id).toBe(dag.tasks.indexOf(task));
            expect(new Set(task.inputs).size).toBe(task.inputs.length);
            for (const input of task.inputs) {
              expect(input).toBeLessThan(task.id);
              expect(dag.tasks[input]!.step).toBe(task.step - 1);
            }
            if (task.step > 0 && pattern !== 'dom') expect(task.inputs.length).toBeGreaterThan(0);
          }
          // A dom point that appears as the diamond widens reads only points whose chains go on
          // elsewhere: it opens a chain of its own. Every other pattern keeps one input local.
          const opened = tasksWithoutLocalInput(dag, chainColoring(dag));
          if (pattern === 'dom') expect(opened).toBeLessThanOrEqual(Math.min(2 ** logWidth, steps));
          else expect(opened).toBe(0);
        },
      ),
    );
  });
});
