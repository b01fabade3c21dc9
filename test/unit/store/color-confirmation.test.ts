import { afterEach, describe, expect, it, vi } from 'vitest';
import { ColorConfirmations } from '../../../src/store/color-confirmation.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('ColorConfirmations', () => {
  it('holds nothing for a color without a pending decision', () => {
    const c = new ColorConfirmations();
    expect(c.wait('known')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('settles on our invoker when our create wins, and on the winner when another replica was first', async () => {
    const c = new ColorConfirmations();
    c.begin('ours', 2);
    c.begin('theirs', 2);
    c.begin('ours', 3); // a second begin for the same color keeps the first decision
    const ours = c.wait('ours')!;
    const theirs = c.wait('theirs')!;
    c.settle('ours', 2, 'created');
    c.settle('theirs', 5, 'adopted');
    expect(await ours).toBe(2);
    expect(await theirs).toBe(5);
    expect(c.stats).toEqual({ created: 1, adopted: 1, local: 0 });
    expect(c.size).toBe(0);
    expect(c.wait('ours')).toBeUndefined();
  });

  it('every waiter of a color gets the same answer', async () => {
    const c = new ColorConfirmations();
    c.begin('x', 1);
    const waits = [c.wait('x')!, c.wait('x')!, c.wait('x')!];
    c.settle('x', 4, 'adopted');
    expect(await Promise.all(waits)).toEqual([4, 4, 4]);
  });

  it('a failed store request releases every pending decision on its local invoker and stops holding new ones until the store answers', async () => {
    const c = new ColorConfirmations();
    c.begin('a', 1);
    c.begin('b', 2);
    const waits = [c.wait('a')!, c.wait('b')!];
    c.storeFailed();
    expect(await Promise.all(waits)).toEqual([1, 2]);
    expect(c.bypassing).toBe(true);
    c.begin('c', 3);
    expect(c.wait('c')).toBeUndefined();
    c.settle('late', 0, 'created'); // any answer from the store
    expect(c.bypassing).toBe(false);
    c.begin('d', 3);
    expect(c.wait('d')).toBeDefined();
    expect(c.stats.local).toBe(2);
  });

  it('gives up after waitMs and uses the local decision; an abandoned create does too', async () => {
    vi.useFakeTimers();
    const c = new ColorConfirmations({ waitMs: 1_000 });
    c.begin('slow', 7);
    const wait = c.wait('slow')!;
    await vi.advanceTimersByTimeAsync(999);
    expect(c.size).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await wait).toBe(7);
    expect(c.bypassing).toBe(true);
    c.settle('other', 1, 'created');
    c.begin('rejected', 6);
    const rejected = c.wait('rejected')!;
    c.abandon('rejected');
    expect(await rejected).toBe(6);
    expect(c.stats).toEqual({ created: 0, adopted: 0, local: 2 });
  });

  it('clear releases everything on the local decisions', async () => {
    const c = new ColorConfirmations();
    c.begin('a', 1);
    const wait = c.wait('a')!;
    c.clear();
    expect(await wait).toBe(1);
    expect(c.size).toBe(0);
  });
});
