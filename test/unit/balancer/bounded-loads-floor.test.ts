import { describe, expect, it } from 'vitest';
import { createPolicy } from '../../../src/balancer/index.js';
import type { InvokerView } from '../../../src/balancer/types.js';

const views = (loads: number[]): InvokerView[] =>
  loads.map((inFlight, id) => ({
    id,
    status: 'healthy',
    capacityMB: 2048,
    inFlightMB: inFlight * 256,
    inFlight,
  }));

describe('bounded loads floor', () => {
  const request = { color: 'post-42', namespace: 'guest', action: 'guest/hello', memoryMB: 256 };

  it('without a floor a closed loop spills while its previous call still holds a slot', () => {
    const policy = createPolicy('consistent-hash', { boundFactor: 1.25, boundFloor: 0 });
    policy.setMembers([0, 1, 2, 3]);
    const home = policy.choose(request, views([0, 0, 0, 0]))!.invoker;
    const loads = [0, 0, 0, 0];
    loads[home] = 1;
    expect(policy.choose(request, views(loads))!.spilled).toBe(true);
  });

  it('with floor 2 it stays home; above the floor the bound applies again', () => {
    const policy = createPolicy('consistent-hash', { boundFactor: 1.25, boundFloor: 2 });
    policy.setMembers([0, 1, 2, 3]);
    const home = policy.choose(request, views([0, 0, 0, 0]))!.invoker;
    const loads = [0, 0, 0, 0];
    loads[home] = 1;
    expect(policy.choose(request, views(loads))).toMatchObject({ invoker: home, spilled: false });
    loads[home] = 2;
    expect(policy.choose(request, views(loads))!.spilled).toBe(true);
  });
});
