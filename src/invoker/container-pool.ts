/**
 * The container pool of one invoker, after OpenWhisk's ContainerPool (classic invoker):
 *
 * - Memory: every container holds its action's memory limit while it exists (starting, busy or
 *   idle); together they never exceed the invoker's user memory.
 * - One activation per container at a time (action concurrency 1).
 * - Scheduling, in order: a warm idle container of the same key (invocation namespace + action +
 *   revision); else a new container if the free memory allows; else a new container after
 *   removing idle containers, least recently used first, when that frees enough; else wait.
 * - Waiting is a FIFO queue served from its head (OpenWhisk's runBuffer): a job that cannot be
 *   placed holds back the jobs behind it, so activations run in arrival order.
 * - Idle containers are removed after `idleTimeoutMs` without work (OpenWhisk's idle-container).
 *
 * The pool is generic over what a container is, so its policy is unit-tested without processes.
 */

export interface PooledContainer {
  readonly memoryMB: number;
  /** False once the process died on its own; the pool then drops it instead of reusing it. */
  readonly alive?: boolean;
  destroy(): Promise<void>;
}

export interface PoolOptions<C extends PooledContainer> {
  readonly userMemoryMB: number;
  readonly idleTimeoutMs: number;
  /** How often idle containers are checked; default a tenth of the idle timeout (at least 10 ms). */
  readonly sweepIntervalMs?: number;
  readonly create: (key: string, memoryMB: number) => Promise<C>;
  /** Told about destroy failures, which never fail the pool. */
  readonly onError?: (err: unknown) => void;
}

export interface Lease<C> {
  readonly container: C;
  /** False on a cold start: the container is new and must be initialized. */
  readonly warm: boolean;
}

interface Slot<C> {
  readonly key: string;
  readonly memoryMB: number;
  container: C | undefined;
  busy: boolean;
  lastUsed: number;
}

interface Waiter<C> {
  readonly key: string;
  readonly memoryMB: number;
  readonly resolve: (lease: Lease<C>) => void;
  readonly reject: (err: unknown) => void;
}

export class PoolClosedError extends Error {
  constructor() {
    super('the container pool is shut down');
  }
}

export class ContainerPool<C extends PooledContainer> {
  private readonly slots = new Set<Slot<C>>();
  private readonly byContainer = new Map<C, Slot<C>>();
  private readonly queue: Waiter<C>[] = [];
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Containers created and removed for being idle, for metrics and tests. */
  created = 0;
  evictedIdle = 0;
  evictedForRoom = 0;

  constructor(private readonly options: PoolOptions<C>) {
    const interval = options.sweepIntervalMs ?? Math.max(10, Math.floor(options.idleTimeoutMs / 10));
    this.sweeper = setInterval(() => this.sweep(), interval);
    this.sweeper.unref();
  }

  get usedMemoryMB(): number {
    let used = 0;
    for (const slot of this.slots) used += slot.memoryMB;
    return used;
  }

  get freeMemoryMB(): number {
    return this.options.userMemoryMB - this.usedMemoryMB;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Containers that exist (starting, busy or idle). */
  get size(): number {
    return this.slots.size;
  }

  get busyCount(): number {
    let busy = 0;
    for (const slot of this.slots) if (slot.busy) busy++;
    return busy;
  }

  /** True if a job of this size can ever run here. */
  fits(memoryMB: number): boolean {
    return memoryMB <= this.options.userMemoryMB;
  }

  /** Resolves with a container reserved for one activation; release it with `release`. */
  acquire(key: string, memoryMB: number): Promise<Lease<C>> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    if (!this.fits(memoryMB)) {
      return Promise.reject(
        new Error(`an action of ${memoryMB} MB cannot run in ${this.options.userMemoryMB} MB`),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ key, memoryMB, resolve, reject });
      this.dispatch();
    });
  }

  /** Returns a container after its activation; `destroy` removes it (after a failure). */
  async release(container: C, options: { destroy?: boolean } = {}): Promise<void> {
    const slot = this.byContainer.get(container);
    if (!slot) return;
    if (options.destroy || this.closed) {
      await this.remove(slot);
    } else {
      slot.busy = false;
      slot.lastUsed = Date.now();
    }
    this.dispatch();
  }

  /** Places queued jobs from the head while they fit. */
  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      const head = this.queue[0]!;
      const warm = this.findIdle(head.key);
      if (warm) {
        this.queue.shift();
        warm.busy = true;
        warm.lastUsed = Date.now();
        head.resolve({ container: warm.container!, warm: true });
        continue;
      }
      if (this.freeMemoryMB < head.memoryMB && !this.makeRoom(head.memoryMB)) return;
      this.queue.shift();
      this.startContainer(head);
    }
  }

  private findIdle(key: string): Slot<C> | undefined {
    let best: Slot<C> | undefined;
    for (const slot of [...this.slots]) {
      if (!slot.busy && slot.container?.alive === false) {
        void this.remove(slot);
        continue;
      }
      if (slot.key === key && !slot.busy && slot.container && (!best || slot.lastUsed > best.lastUsed))
        best = slot;
    }
    return best;
  }

  /** Removes idle containers, least recently used first, if together they free enough memory. */
  private makeRoom(memoryMB: number): boolean {
    const idle = [...this.slots]
      .filter((s) => !s.busy && s.container)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    const needed = memoryMB - this.freeMemoryMB;
    let freed = 0;
    const victims: Slot<C>[] = [];
    for (const slot of idle) {
      if (freed >= needed) break;
      victims.push(slot);
      freed += slot.memoryMB;
    }
    if (freed < needed) return false;
    for (const slot of victims) {
      this.evictedForRoom++;
      void this.remove(slot);
    }
    return true;
  }

  private startContainer(waiter: Waiter<C>): void {
    const slot: Slot<C> = {
      key: waiter.key,
      memoryMB: waiter.memoryMB,
      container: undefined,
      busy: true,
      lastUsed: Date.now(),
    };
    this.slots.add(slot);
    this.created++;
    this.options.create(waiter.key, waiter.memoryMB).then(
      (container) => {
        if (this.closed) {
          this.slots.delete(slot);
          void container.destroy().catch((err) => this.options.onError?.(err));
          waiter.reject(new PoolClosedError());
          return;
        }
        slot.container = container;
        this.byContainer.set(container, slot);
        waiter.resolve({ container, warm: false });
      },
      (err: unknown) => {
        this.slots.delete(slot);
        waiter.reject(err);
        this.dispatch();
      },
    );
  }

  private async remove(slot: Slot<C>): Promise<void> {
    if (!this.slots.delete(slot)) return;
    const container = slot.container;
    if (!container) return;
    this.byContainer.delete(container);
    try {
      await container.destroy();
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.options.idleTimeoutMs;
    let removed = false;
    for (const slot of [...this.slots]) {
      if (!slot.busy && slot.container && slot.lastUsed <= cutoff) {
        this.evictedIdle++;
        removed = true;
        void this.remove(slot);
      }
    }
    if (removed) this.dispatch();
  }

  /** Rejects waiting jobs and destroys every container (busy ones too: their runs fail). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const waiter of this.queue.splice(0)) waiter.reject(new PoolClosedError());
    await Promise.all([...this.slots].map((slot) => this.remove(slot)));
  }
}
