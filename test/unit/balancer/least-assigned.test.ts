import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColorTable, type AssignmentReason } from '../../../src/balancer/color-table.js';
import { LeastAssignedPolicy } from '../../../src/balancer/policies/least-assigned.js';
import { chooseIn, colored, colorNames, healthyView, invokerIds, range, withMembers } from './helpers.js';

function recorder(table: ColorTable) {
  const heard: [string, number, AssignmentReason][] = [];
  table.setListener({ onAssignment: (c, i, r) => heard.push([c, i, r]) });
  return heard;
}

describe('ColorTable', () => {
  it('with slack 0 assigns a new color to one of the candidates holding the fewest colors', () => {
    const table = new ColorTable({ slack: 0 });
    const heard = recorder(table);
    const first = ['a', 'b', 'c'].map((c) => table.assign(c, [3, 1, 2]));
    expect([...first].sort()).toEqual([1, 2, 3]);
    const d = table.assign('d', [2, 3]);
    expect([2, 3]).toContain(d);
    expect(heard).toEqual([
      ['a', first[0], 'new'],
      ['b', first[1], 'new'],
      ['c', first[2], 'new'],
      ['d', d, 'new'],
    ]);
    expect([1, 2, 3, 99].map((id) => table.countFor(id))).toEqual([
      ...[1, 2, 3].map((id) => (id === d ? 2 : 1)),
      0,
    ]);
    expect(table.size).toBe(4);
    expect(() => table.assign('e', [])).toThrow(RangeError);
    expect(() => new ColorTable({ slack: -1 })).toThrow(RangeError);
  });

  it('chooses among the candidates within `slack` of the fewest, by the color alone (not the candidates order)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(20), { minLength: 1, maxLength: 12 }),
        fc.nat(10),
        fc.string({ minLength: 1, maxLength: 20 }),
        (counts, slack, color) => {
          const table = new ColorTable({ slack });
          counts.forEach((n, id) => {
            for (let k = 0; k < n; k++) table.adopt(`${id}/${k}`, id);
          });
          const ids = counts.map((_, id) => id);
          const chosen = table.choose(color, ids)!;
          expect(counts[chosen]).toBeLessThanOrEqual(Math.min(...counts) + slack);
          expect(table.choose(color, [...ids].reverse())).toBe(chosen);
          const twin = new ColorTable({ slack });
          for (const [c, id] of table.entries()) twin.adopt(c, id);
          expect(twin.choose(color, ids)).toBe(chosen);
        },
      ),
    );
  });

  it('adopts without telling the listener, and keeps counts right when a color moves', () => {
    const table = new ColorTable();
    const heard = recorder(table);
    table.adopt('x', 4);
    table.adopt('y', 4);
    table.adopt('x', 7);
    expect(heard).toEqual([]);
    expect([table.get('x'), table.countFor(4), table.countFor(7), table.size]).toEqual([7, 1, 1, 2]);
    expect(table.delete('x')).toBe(true);
    expect(table.delete('x')).toBe(false);
    expect(table.countFor(7)).toBe(0);
    table.adopt('far', 60_000);
    expect(table.countFor(60_000)).toBe(1);
  });

  it('reassigns only a removed invoker colors, in color order, among the least-assigned remaining', () => {
    const table = new ColorTable({ slack: 0 });
    for (const [c, i] of [
      ['z', 0],
      ['m', 0],
      ['a', 0],
      ['k', 1],
      ['q', 2],
      ['r', 2],
    ] as const)
      table.adopt(c, i);
    const heard = recorder(table);
    expect(table.removeInvoker(0, [0, 1, 2])).toBe(3);
    // In color order; 'a' must go to 1 (the only one with the fewest), then the two stay level.
    expect(heard.map(([c, , r]) => [c, r])).toEqual([
      ['a', 'reassigned'],
      ['m', 'reassigned'],
      ['z', 'reassigned'],
    ]);
    expect(heard[0]![1]).toBe(1);
    expect(new Set([heard[1]![1], heard[2]![1]])).toEqual(new Set([1, 2]));
    expect([table.countFor(0), table.countFor(1), table.countFor(2)]).toEqual([0, 3, 3]);
    // No invoker left: nothing moves; the colors are reassigned when next placed.
    expect(table.removeInvoker(1, [])).toBe(0);
    expect(table.get('k')).toBe(1);
  });
});

describe('least-assigned policy', () => {
  it('moves no color when an invoker joins, and only the lost invoker colors when one leaves', () => {
    fc.assert(
      fc.property(invokerIds(4, 32), fc.nat(), (ids, pick) => {
        const policy = new LeastAssignedPolicy();
        const colors = colorNames(2000);
        const view = healthyView(ids);
        const before = colors.map((c) => chooseIn(policy, colored(c), view)!.invoker);
        const counts = ids.map((id) => policy.table.countFor(id));
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(policy.table.slack + 1);

        const grown = healthyView([...ids, 500]);
        colors.forEach((c, i) => expect(chooseIn(policy, colored(c), grown)!.invoker).toBe(before[i]));
        expect(policy.table.countFor(500)).toBe(0);
        // New colors now favour the empty newcomer.
        expect(chooseIn(policy, colored('brand-new'), grown)!.invoker).toBe(500);

        const lost = ids[pick % ids.length]!;
        const remaining = ids.filter((id) => id !== lost);
        const moved = policy.table.removeInvoker(lost, remaining);
        expect(moved).toBe(before.filter((id) => id === lost).length);
        const shrunk = healthyView(remaining);
        colors.forEach((c, i) => {
          const now = chooseIn(policy, colored(c), shrunk)!.invoker;
          if (before[i] === lost) expect(remaining).toContain(now);
          else expect(now).toBe(before[i]);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('two instances fed the same requests decide identically', () => {
    const view = healthyView(range(24));
    const a = withMembers(new LeastAssignedPolicy(), view);
    const b = new LeastAssignedPolicy();
    b.setMembers(range(24).reverse());
    for (const c of colorNames(3000)) expect(b.choose(colored(c), view)).toEqual(a.choose(colored(c), view));
  });

  it('spills a full or unhealthy home for one activation without changing the table', () => {
    const view = healthyView(range(4), 1024);
    const policy = withMembers(new LeastAssignedPolicy(), view);
    const home = policy.choose(colored('hot'), view)!.invoker;
    const blocked = view.map((v) => (v.id === home ? { ...v, inFlightMB: 1024 } : v));
    const decision = policy.choose(colored('hot'), blocked)!;
    expect(decision.spilled).toBe(true);
    expect(decision.home).toBe(home);
    expect(policy.table.get('hot')).toBe(home);
    expect(policy.choose(colored('hot'), view)!.invoker).toBe(home);
  });

  it('reassigns a color whose invoker is no longer a member, and assigns only to healthy invokers', () => {
    const table = new ColorTable();
    table.adopt('stale', 9);
    const heard = recorder(table);
    const view = healthyView(range(3)).map((v) => (v.id === 0 ? { ...v, status: 'unhealthy' as const } : v));
    const policy = withMembers(new LeastAssignedPolicy({ table }), view);
    const decision = policy.choose(colored('stale'), view)!;
    expect(decision.invoker).toBe(1);
    expect(heard).toEqual([['stale', 1, 'reassigned']]);
    expect(policy.choose(colored('next'), view)!.invoker).toBe(2);
  });

  it('does not write uncolored work into the table', () => {
    const view = healthyView(range(6));
    const policy = withMembers(new LeastAssignedPolicy(), view);
    const request = { namespace: 'guest', action: 'guest/hello', memoryMB: 256 };
    const first = policy.choose(request, view)!;
    expect(policy.choose(request, view)).toEqual(first);
    expect(policy.table.size).toBe(0);
  });
});
