import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainColoring, indexed, validateDag, virtualWorkers, type DagTask } from '../../../src/dag/index.js';
import { arbitraryDag, stencilOrFft } from './arbitraries.js';

/** The tasks of each color, in a topological order. */
function classes(dag: readonly DagTask[], colors: Map<string, string>): Map<string, string[]> {
  const byColor = new Map<string, string[]>();
  for (const id of validateDag(dag).ids)
    byColor.set(colors.get(id)!, [...(byColor.get(colors.get(id)!) ?? []), id]);
  return byColor;
}

describe('chainColoring', () => {
  it('colors every task, and each color is a chain: each task reads the one before it', () => {
    fc.assert(
      fc.property(arbitraryDag(), (dag) => {
        const colors = chainColoring(dag);
        expect([...colors.keys()].sort()).toEqual(dag.map((t) => t.id).sort());
        const byId = new Map(dag.map((t) => [t.id, t]));
        for (const chain of classes(dag, colors).values())
          for (let k = 1; k < chain.length; k++) expect(byId.get(chain[k]!)!.deps).toContain(chain[k - 1]);
      }),
    );
  });

  it('keeps each edge along a chain local: a chain task with a predecessor reads it on its own color', () => {
    fc.assert(
      fc.property(arbitraryDag(), (dag) => {
        const colors = chainColoring(dag);
        const byId = new Map(dag.map((t) => [t.id, t]));
        let local = 0;
        for (const chain of classes(dag, colors).values()) {
          for (let k = 1; k < chain.length; k++) {
            const edge = byId.get(chain[k]!)!.deps.find((d) => d === chain[k - 1]);
            expect(colors.get(edge!)).toBe(colors.get(chain[k]!));
            local++;
          }
        }
        // Chains are disjoint paths covering the tasks: colors = tasks - edges kept along them.
        expect(new Set(colors.values()).size).toBe(dag.length - local);
      }),
    );
  });

  it('gives every Task Bench stencil and fft task an input of its own color (one chain per point)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('stencil' as const, 'fft' as const),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        (pattern, logWidth, steps) => {
          const dag = stencilOrFft(pattern, 2 ** logWidth, steps);
          const colors = chainColoring(dag);
          expect(new Set(colors.values()).size).toBe(2 ** logWidth);
          for (const task of dag)
            if (task.deps.length > 0)
              expect(task.deps.map((d) => colors.get(d))).toContain(colors.get(task.id));
        },
      ),
    );
  });

  it('names colors with the prefix, the same partition as the indexed form, whatever the prefix', () => {
    fc.assert(
      fc.property(arbitraryDag(), fc.stringMatching(/^[a-z0-9:_-]{0,12}$/), (dag, prefix) => {
        const valid = validateDag(dag);
        const colors = chainColoring(dag, { prefix });
        const numbers = indexed.chainColoring(valid);
        valid.ids.forEach((id, i) => expect(colors.get(id)).toBe(`${prefix}${numbers[i]}`));
        expect(chainColoring(valid, { prefix })).toEqual(colors);
      }),
    );
    expect(chainColoring([{ id: 'a', deps: [] }]).get('a')).toBe('dag-0');
    expect(() => chainColoring([{ id: 'a', deps: [] }], { prefix: 'has space' })).toThrow(/whitespace/);
  });
});

describe('virtualWorkers', () => {
  it('colors every task with one of V workers', () => {
    fc.assert(
      fc.property(arbitraryDag(), fc.integer({ min: 1, max: 8 }), (dag, v) => {
        const colors = virtualWorkers(dag, v, { prefix: 'w' });
        expect(colors.size).toBe(dag.length);
        for (const color of colors.values()) expect(color).toMatch(new RegExp(`^w[0-${v - 1}]$`));
      }),
    );
    expect(() => virtualWorkers([{ id: 'a', deps: [] }], 0)).toThrow(/virtualWorkers must be >= 1/);
  });

  it('follows the input bytes: a task goes to the worker holding most of them', () => {
    const dag: DagTask[] = [
      { id: 'small', deps: [], outputBytes: 10 },
      { id: 'big', deps: [], outputBytes: 1000 },
      { id: 'join', deps: ['small', 'big'] },
    ];
    const colors = virtualWorkers(dag, 2);
    expect(colors.get('small')).not.toBe(colors.get('big'));
    expect(colors.get('join')).toBe(colors.get('big'));
    // Without sizes the tie goes to the less loaded worker (the first, 'small''s, after 'big' took one).
    const even = virtualWorkers(
      dag.map((t) => ({ id: t.id, deps: t.deps })),
      2,
    );
    expect(even.get('join')).toBe(even.get('small'));
  });
});
