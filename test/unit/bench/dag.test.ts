import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildDag,
  chainColoring,
  localOnlyOutputs,
  PATTERNS,
  tasksWithoutLocalInput,
  virtualWorkerColoring,
  type Pattern,
} from '../../../bench/lib/dag.js';

describe('Task Bench patterns', () => {
  it('have the documented dependencies', () => {
    const stencil = buildDag('stencil', 4, 3);
    expect(stencil.tasks).toHaveLength(12);
    expect(stencil.tasks[4]!.inputs).toEqual([0, 1]);
    expect(stencil.tasks[5]!.inputs).toEqual([0, 1, 2]);
    const fft = buildDag('fft', 8, 4);
    expect(fft.tasks[8 + 0]!.inputs).toEqual([0, 1]);
    expect(fft.tasks[16 + 0]!.inputs).toEqual([8, 10]);
    expect(fft.tasks[24 + 0]!.inputs).toEqual([16, 20]);
    const tree = buildDag('tree', 8, 99);
    expect(tree.tasks.map((t) => t.step)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3]);
    expect(tree.tasks[14]!.inputs).toEqual([12, 13]);
    const all = buildDag('all-to-all', 3, 2);
    expect(all.tasks[3]!.inputs).toEqual([0, 1, 2]);
    expect(() => buildDag('fft', 6, 2)).toThrow(/power-of-two/);
  });
});

describe('chain coloring', () => {
  it('every task with inputs has at least one input of its own color (any pattern, width, steps)', () => {
    fc.assert(
      fc.property(
        // Not dom: a point the widening diamond adds reads only chains that go on elsewhere
        // (test/unit/bench/dag-patterns.test.ts bounds how many such points there are).
        fc.constantFrom<Pattern>(...PATTERNS.filter((p) => p !== 'dom')),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 1, max: 10 }),
        (pattern, logWidth, steps) => {
          const dag = buildDag(pattern, 2 ** logWidth, steps);
          const colors = chainColoring(dag);
          expect(colors.every((c) => c >= 0)).toBe(true);
          expect(tasksWithoutLocalInput(dag, colors)).toBe(0);
        },
      ),
    );
  });

  it('gives a stencil one chain per point', () => {
    const dag = buildDag('stencil', 5, 4);
    const colors = chainColoring(dag);
    expect(new Set(colors).size).toBe(5);
    for (const task of dag.tasks) expect(colors[task.id]).toBe(colors[task.point]);
  });
});

describe('virtual-worker coloring', () => {
  it('uses at most V colors and keeps a task with its inputs when they agree', () => {
    const dag = buildDag('tree', 16, 1);
    const colors = virtualWorkerColoring(dag, 4);
    expect(Math.max(...colors)).toBeLessThan(4);
    expect(new Set(colors.slice(0, 16)).size).toBe(4); // roots spread over the workers
    for (const task of dag.tasks) {
      if (task.inputs.length > 0 && task.inputs.every((i) => colors[i] === colors[task.inputs[0]!])) {
        expect(colors[task.id]).toBe(colors[task.inputs[0]!]);
      }
    }
  });
});

describe('local-only outputs', () => {
  it('are the tasks all of whose consumers share their color; sinks and uncolored tasks write remotely', () => {
    const tree = buildDag('tree', 4, 99);
    // Leaves 0..3, then 4 (reads 0, 1), 5 (reads 2, 3), then 6 (reads 4, 5).
    const colors = chainColoring(tree);
    expect(colors).toEqual([0, 1, 2, 3, 0, 2, 0]);
    expect(localOnlyOutputs(tree, colors)).toEqual([true, false, true, false, true, false, false]);
    expect(localOnlyOutputs(tree, undefined).some(Boolean)).toBe(false);
    const stencil = buildDag('stencil', 4, 3);
    // Every stencil output feeds three columns' chains: none may stay local.
    expect(localOnlyOutputs(stencil, chainColoring(stencil)).some(Boolean)).toBe(false);
    expect(localOnlyOutputs(stencil, new Array<number>(stencil.tasks.length).fill(0))).toEqual(
      stencil.tasks.map((t) => t.step < 2),
    );
  });
});
