import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../src/messaging/offset-tracker.js';

describe('OffsetTracker', () => {
  it('moves only past a contiguous run of finished offsets', () => {
    const t = new OffsetTracker(10);
    expect(t.finish(12)).toBe(false);
    expect(t.next).toBe(10);
    expect(t.finish(10)).toBe(true);
    expect(t.next).toBe(11);
    expect(t.finish(11)).toBe(true);
    expect(t.next).toBe(13);
    expect(t.finish(5)).toBe(false);
  });

  it('ends at start + n for any completion order, and never passes an unfinished offset', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer(), { minLength: 1, maxLength: 60 }).map((keys) =>
          keys
            .map((k, i) => ({ k, i }))
            .sort((a, b) => a.k - b.k || a.i - b.i)
            .map((x) => x.i),
        ),
        (start, order) => {
          const t = new OffsetTracker(start);
          const done = new Set<number>();
          for (const i of order) {
            t.finish(start + i);
            done.add(i);
            for (let j = 0; j < t.next - start; j++) expect(done.has(j)).toBe(true);
          }
          expect(t.next).toBe(start + order.length);
        },
      ),
    );
  });
});
