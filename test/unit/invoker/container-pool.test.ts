import { afterEach, describe, expect, it, vi } from 'vitest';
import { ContainerPool, PoolClosedError, type PooledContainer } from '../../../src/invoker/container-pool.js';

class FakeContainer implements PooledContainer {
  destroyed = false;
  alive = true;
  constructor(
    readonly key: string,
    readonly memoryMB: number,
    readonly n: number,
  ) {}
  async destroy(): Promise<void> {
    this.destroyed = true;
  }
}

const pools: ContainerPool<FakeContainer>[] = [];
function pool(userMemoryMB: number, idleTimeoutMs = 60_000) {
  let n = 0;
  const created: FakeContainer[] = [];
  const p = new ContainerPool<FakeContainer>({
    userMemoryMB,
    idleTimeoutMs,
    sweepIntervalMs: 10,
    create: async (key, memoryMB) => {
      const c = new FakeContainer(key, memoryMB, n++);
      created.push(c);
      return c;
    },
  });
  pools.push(p);
  return { p, created };
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

/** Whether a promise has settled yet. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, 5));
  return done;
}

describe('ContainerPool', () => {
  it('reuses an idle warm container of the same key, and only of the same key', async () => {
    const { p, created } = pool(1024);
    const a = await p.acquire('ns|a@1', 256);
    expect(a.warm).toBe(false);
    await p.release(a.container);
    const again = await p.acquire('ns|a@1', 256);
    expect(again).toEqual({ container: a.container, warm: true });
    const other = await p.acquire('ns|a@2', 256);
    expect(other.warm).toBe(false);
    expect(created).toHaveLength(2);
  });

  it('runs one activation per container: a busy container is never shared', async () => {
    const { p } = pool(1024);
    const first = await p.acquire('k', 256);
    const second = await p.acquire('k', 256);
    expect(second.container).not.toBe(first.container);
    expect(p.busyCount).toBe(2);
  });

  it('never holds more memory than the user memory, and queues in arrival order when full', async () => {
    const { p } = pool(512);
    const a = await p.acquire('a', 256);
    const b = await p.acquire('b', 256);
    expect(p.freeMemoryMB).toBe(0);
    const c = p.acquire('c', 256);
    const d = p.acquire('a', 256);
    expect(await settled(c)).toBe(false);
    expect(p.queued).toBe(2);
    // Freeing `a` cannot serve `d` (same key) before `c`: the head of the queue goes first.
    await p.release(a.container);
    const cLease = await c;
    expect(cLease.warm).toBe(false);
    expect(a.container.destroyed).toBe(true); // evicted to make room for c
    expect(await settled(d)).toBe(false);
    await p.release(b.container);
    expect((await d).warm).toBe(false);
    expect(p.usedMemoryMB).toBeLessThanOrEqual(512);
  });

  it('evicts idle containers least recently used first, only as many as needed', async () => {
    const { p } = pool(768);
    const x = await p.acquire('x', 256);
    const y = await p.acquire('y', 256);
    const z = await p.acquire('z', 256);
    await p.release(y.container);
    await new Promise((r) => setTimeout(r, 2));
    await p.release(x.container);
    await new Promise((r) => setTimeout(r, 2));
    await p.release(z.container);
    await p.acquire('w', 256);
    expect([x, y, z].map((l) => l.container.destroyed)).toEqual([false, true, false]);
    expect(p.evictedForRoom).toBe(1);
  });

  it('removes containers that stayed idle longer than the idle timeout', async () => {
    const { p } = pool(1024, 50);
    const a = await p.acquire('a', 128);
    const b = await p.acquire('b', 128);
    await p.release(a.container);
    await vi.waitFor(() => expect(a.container.destroyed).toBe(true), { timeout: 2000 });
    expect(b.container.destroyed).toBe(false); // busy containers are never idle-evicted
    expect(p.evictedIdle).toBe(1);
    expect(p.usedMemoryMB).toBe(128);
  });

  it('replaces a container released with destroy, and skips a warm one whose process died', async () => {
    const { p } = pool(1024);
    const a = await p.acquire('a', 128);
    await p.release(a.container, { destroy: true });
    expect(a.container.destroyed).toBe(true);
    const b = await p.acquire('a', 128);
    expect(b.warm).toBe(false);
    await p.release(b.container);
    b.container.alive = false;
    const c = await p.acquire('a', 128);
    expect(c.warm).toBe(false);
    expect(b.container.destroyed).toBe(true);
  });

  it('refuses what can never fit, and rejects waiters on close', async () => {
    const { p } = pool(256);
    await expect(p.acquire('big', 512)).rejects.toThrow(/cannot run/);
    await p.acquire('a', 256);
    const waiting = p.acquire('b', 256);
    await p.close();
    await expect(waiting).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('frees the memory of a container that failed to start and serves the queue', async () => {
    let fail = true;
    const p = new ContainerPool<FakeContainer>({
      userMemoryMB: 256,
      idleTimeoutMs: 60_000,
      create: async (key, memoryMB) => {
        if (fail) {
          fail = false;
          throw new Error('spawn failed');
        }
        return new FakeContainer(key, memoryMB, 0);
      },
    });
    pools.push(p);
    const first = p.acquire('a', 256);
    const second = p.acquire('a', 256);
    await expect(first).rejects.toThrow('spawn failed');
    expect((await second).warm).toBe(false);
  });
});
