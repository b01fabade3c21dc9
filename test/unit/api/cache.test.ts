import { describe, expect, it } from 'vitest';
import { TtlCache } from '../../../src/api/cache.js';

describe('TtlCache', () => {
  it('expires entries after the ttl', () => {
    let now = 0;
    const cache = new TtlCache<string>(100, 10, () => now);
    cache.set('a', 'x');
    now = 99;
    expect(cache.get('a')).toBe('x');
    now = 100;
    expect(cache.get('a')).toBeUndefined();
  });

  it('shares one load between concurrent misses and keeps the result', async () => {
    const cache = new TtlCache<number>(1000);
    let loads = 0;
    const loader = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 5));
      return 42;
    };
    expect(await Promise.all([cache.load('k', loader), cache.load('k', loader)])).toEqual([42, 42]);
    expect(await cache.load('k', loader)).toBe(42);
    expect(loads).toBe(1);
  });

  it('does not keep a value loaded across a delete (it may be stale)', async () => {
    const cache = new TtlCache<string>(1000);
    let release!: () => void;
    const slow = cache.load('k', () => new Promise<string>((r) => (release = () => r('old'))));
    cache.delete('k');
    release();
    expect(await slow).toBe('old');
    expect(cache.get('k')).toBeUndefined();
    expect(await cache.load('k', async () => 'new')).toBe('new');
  });

  it('drops the oldest entry at capacity, and caches nothing with ttl 0', () => {
    const cache = new TtlCache<number>(1000, 2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 2, 3]);
    const none = new TtlCache<number>(0);
    none.set('a', 1);
    expect(none.get('a')).toBeUndefined();
  });
});
