/** The in-flight book's per-namespace count (OpenWhisk's activationsPerNamespace) stays in step with its entries. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InFlightBook, type InFlightEntry } from '../../../src/controller/in-flight-book.js';

function entry(id: number, namespace: string, invoker: number, deadline: number): InFlightEntry {
  return {
    activationId: `a${id}`,
    action: { path: namespace, name: 'x', version: '0.0.1' },
    subject: namespace,
    invoker,
    memoryMB: 256,
    namespace,
    startedAt: 0,
    deadline,
  };
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    id: fc.nat(30),
    namespace: fc.constantFrom('guest', 'other', 'third'),
    invoker: fc.nat(2),
    deadline: fc.nat(100),
  }),
  fc.record({ kind: fc.constant('complete' as const), id: fc.nat(30) }),
  fc.record({ kind: fc.constant('expire' as const), now: fc.nat(100) }),
  fc.record({ kind: fc.constant('takeInvoker' as const), invoker: fc.nat(2) }),
  fc.record({ kind: fc.constant('clear' as const) }),
);

describe('InFlightBook.activeFor', () => {
  it('equals the number of listed entries of the namespace after any sequence of operations', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const book = new InFlightBook();
        for (const o of ops) {
          if (o.kind === 'add') book.add(entry(o.id, o.namespace, o.invoker, o.deadline));
          else if (o.kind === 'complete') book.complete(`a${o.id}`);
          else if (o.kind === 'expire') book.expire(o.now);
          else if (o.kind === 'takeInvoker') book.takeInvoker(o.invoker);
          else book.clear();
          for (const ns of ['guest', 'other', 'third'])
            expect(book.activeFor(ns)).toBe(book.list().filter((e) => e.namespace === ns).length);
        }
      }),
    );
  });
});
