/**
 * The sequence create checks (checkSequence) as properties over random sets of actions and
 * sequences: the inlined atomic count decides "too long", a reference back to the sequence being
 * written is "cyclic" however deep, and everything else passes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSequence } from '../../../src/api/sequence-doc.js';
import type { ComponentResolver } from '../../../src/controller/sequence-ports.js';
import {
  actionSequenceLimit,
  defaultActionLimits,
  sequenceMessages,
  type ActionDocument,
  type QualifiedName,
} from '../../../src/protocol/index.js';
import { guest } from '../controller/harness.js';

/** Entities `e0..eN`: the first `atoms` are actions, each later one a sequence of earlier entities. */
interface World {
  atoms: number;
  sequences: number[][];
}

const world: fc.Arbitrary<World> = fc.integer({ min: 1, max: 4 }).chain((atoms) =>
  fc
    .array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 6 })
    .chain((lengths) =>
      fc.tuple(
        ...lengths.map((length, i) =>
          fc.array(fc.integer({ min: 0, max: atoms + i - 1 }), { minLength: length, maxLength: length }),
        ),
      ),
    )
    .map((sequences) => ({ atoms, sequences: sequences as number[][] })),
);

const nameOf = (i: number): QualifiedName => ({ namespace: 'guest', name: `e${i}` });

function doc(world: World, i: number): ActionDocument {
  const base = {
    _id: `guest/e${i}`,
    entityType: 'action' as const,
    updated: 1,
    namespace: 'guest',
    name: `e${i}`,
    version: '0.0.1',
    publish: false,
    parameters: [],
    limits: { ...defaultActionLimits },
    annotations: [],
  };
  if (i < world.atoms) return { ...base, exec: { kind: 'nodejs:20', code: '', binary: false } };
  const components = world.sequences[i - world.atoms]!.map((c) => `/guest/e${c}`);
  return { ...base, exec: { kind: 'sequence', components } } as unknown as ActionDocument;
}

function resolverFor(world: World, overrides = new Map<number, number[]>()): ComponentResolver {
  const total = world.atoms + world.sequences.length;
  const patched: World = {
    atoms: world.atoms,
    sequences: world.sequences.map((s, j) => overrides.get(world.atoms + j) ?? s),
  };
  return {
    resolve: async (fqn) => {
      const i = Number(fqn.name.slice(1));
      return fqn.namespace === 'guest' && i < total
        ? { kind: 'found', action: doc(patched, i) }
        : { kind: 'missing' };
    },
  };
}

/** Atomic actions of entity i once every nested sequence is inlined. */
function count(world: World, i: number): number {
  if (i < world.atoms) return 1;
  return world.sequences[i - world.atoms]!.reduce((sum, c) => sum + count(world, c), 0);
}

function contains(world: World, i: number, target: number): boolean {
  if (i === target) return true;
  if (i < world.atoms) return false;
  return world.sequences[i - world.atoms]!.some((c) => contains(world, c, target));
}

describe('checkSequence (checkSequenceActionLimits)', () => {
  it('a new sequence passes iff its inlined atomic count is at most 50', async () => {
    await fc.assert(
      fc.asyncProperty(world, fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), async (w, picks) => {
        const total = w.atoms + w.sequences.length;
        const components = picks.map((p) => p % total);
        const expected = components.reduce((sum, c) => sum + count(w, c), 0);
        const check = checkSequence(
          { namespace: 'guest', name: 'new' },
          components.map(nameOf),
          guest,
          resolverFor(w),
        );
        if (expected <= actionSequenceLimit) await expect(check).resolves.toBeUndefined();
        else await expect(check).rejects.toMatchObject({ status: 400, message: sequenceMessages.tooLong });
      }),
      { numRuns: 200 },
    );
  });

  it('rewriting a sequence to reach itself, however deep, is cyclic', async () => {
    await fc.assert(
      fc.asyncProperty(
        world.filter((w) => w.sequences.length > 0),
        fc.nat(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        async (w, pick, picks) => {
          const total = w.atoms + w.sequences.length;
          const target = w.atoms + (pick % w.sequences.length);
          const components = picks.map((p) => p % total);
          // The stored world keeps the target's old components; the check is about the new ones.
          const cyclic = components.some((c) => contains(w, c, target));
          const check = checkSequence(nameOf(target), components.map(nameOf), guest, resolverFor(w));
          if (cyclic)
            await expect(check).rejects.toMatchObject({ status: 400, message: sequenceMessages.cyclic });
          else if (components.reduce((s, c) => s + count(w, c), 0) <= actionSequenceLimit)
            await expect(check).resolves.toBeUndefined();
          else await expect(check).rejects.toMatchObject({ message: sequenceMessages.tooLong });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a missing component anywhere in the list is refused; an empty list too', async () => {
    await fc.assert(
      fc.asyncProperty(world, fc.array(fc.nat(), { maxLength: 6 }), fc.nat(), async (w, picks, at) => {
        const total = w.atoms + w.sequences.length;
        const components = picks.map((p) => nameOf(p % total));
        components.splice(at % (components.length + 1), 0, { namespace: 'guest', name: 'nope' });
        await expect(
          checkSequence({ namespace: 'guest', name: 'new' }, components, guest, resolverFor(w)),
        ).rejects.toMatchObject({ status: 400, message: sequenceMessages.componentNotFound });
      }),
      { numRuns: 100 },
    );
    await expect(
      checkSequence({ namespace: 'guest', name: 'new' }, [], guest, resolverFor({ atoms: 1, sequences: [] })),
    ).rejects.toMatchObject({ status: 400, message: sequenceMessages.noComponent });
  });
});
