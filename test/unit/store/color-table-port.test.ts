import { describe, expectTypeOf, it } from 'vitest';
import type * as balancer from '../../../src/balancer/color-table.js';
import type * as store from '../../../src/store/persistent-color-table.js';

// The store states the listener it implements instead of importing the balancer (deps-map.json).
// Method parameters are compared bivariantly, so a reason added on one side only would still
// compile where the two meet; these checks (run by `npm run typecheck`) make it fail instead.
describe("the store's view of the balancer's color table", () => {
  it('names the same assignment reasons and listener as src/balancer', () => {
    expectTypeOf<store.AssignmentReason>().toEqualTypeOf<balancer.AssignmentReason>();
    expectTypeOf<Parameters<store.ColorAssignmentListener['onAssignment']>>().toEqualTypeOf<
      Parameters<balancer.ColorAssignmentListener['onAssignment']>
    >();
  });
});
