/**
 * Read-your-writes for one controller replica (DECISIONS R6). The invoker keeps OpenWhisk's order
 * (result first, record after), so a client that reads right after a blocking invoke answered can
 * be ahead of the record. This replica remembers, for 5 minutes, the activations whose result or
 * completion it received (fed by the controller through ControllerDeps.onActivationDone), and the
 * read path waits for those records: it polls the store by id for up to 3 s before answering.
 *
 * - An id leaves the book once its record was read, or once one wait for it ran out (a record
 *   that never comes costs one 3 s wait, not one per request for 5 minutes).
 * - Nothing is made up: a record not readable after the wait is simply not shown (R6: no
 *   synthetic records).
 * - The book is bounded (oldest dropped first), so heavy traffic nobody reads costs no more than
 *   `maxEntries` small entries.
 * - It also keeps this replica's recent placement decisions (the same bounds): the placement store
 *   is batched, so a record read at once can be ahead of its placement record; the decision itself
 *   then supplies the `palette.*` annotations.
 */
import type { PlacementInfo } from './ports.js';
import { RecentMap } from './recent-map.js';

export interface RecentActivationsOptions {
  /** How long after its result an id is waited for (default 5 min). */
  readonly windowMs?: number;
  /** Longest wait for a record per request (default 3 s). */
  readonly waitMs?: number;
  /** Most ids remembered (default 20 000); the oldest go first. */
  readonly maxEntries?: number;
  /** Most ids one listing waits for, newest first (default 200, the largest page). */
  readonly maxPerList?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Poll intervals: fast at first (a record is usually one store batch away), then steady. */
const pollStepsMs = [10, 20, 40, 80, 100];

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RecentActivations {
  /** Activation id -> namespace, for the activations delivered and not yet read. */
  private readonly entries: RecentMap<string>;
  private readonly placements: RecentMap<PlacementInfo>;
  private readonly waitMs: number;
  private readonly maxPerList: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: RecentActivationsOptions = {}) {
    const windowMs = options.windowMs ?? 5 * 60_000;
    const maxEntries = options.maxEntries ?? 20_000;
    this.entries = new RecentMap(windowMs, maxEntries);
    this.placements = new RecentMap(windowMs, maxEntries);
    this.waitMs = options.waitMs ?? 3_000;
    this.maxPerList = options.maxPerList ?? 200;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /** This replica received the activation's result or completion. */
  noteDone(namespace: string, activationId: string): void {
    if (this.entries.has(activationId)) return;
    this.entries.set(activationId, namespace, this.now());
  }

  /** This replica placed the activation (its placement record may not be readable yet). */
  notePlacement(activationId: string, info: PlacementInfo): void {
    this.placements.set(activationId, info, this.now());
  }

  /** The placement this replica decided for the activation, if it still remembers it. */
  placementOf(activationId: string): PlacementInfo | undefined {
    this.placements.prune(this.now());
    return this.placements.get(activationId);
  }

  /** Ids of `namespace` still waited for, newest first (at most `maxPerList`). */
  pending(namespace: string): string[] {
    this.entries.prune(this.now());
    const ids: string[] = [];
    for (const [id, ns] of this.entries.newest()) {
      if (ns !== namespace) continue;
      ids.push(id);
      if (ids.length >= this.maxPerList) break;
    }
    return ids;
  }

  isPending(namespace: string, activationId: string): boolean {
    this.entries.prune(this.now());
    return this.entries.get(activationId) === namespace;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Reads `activationId`; while this replica waits for its record, again until it is there or the
   * wait runs out. Without a pending entry for it in `namespace`, reads once.
   */
  async read<T>(
    namespace: string,
    activationId: string,
    get: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    if (!this.isPending(namespace, activationId)) return get();
    const [found] = await this.poll([activationId], async () => {
      const doc = await get();
      return doc === undefined ? [] : [{ id: activationId, doc }];
    });
    return found?.doc;
  }

  /**
   * Waits until every pending id of `namespace` is readable (or the wait runs out) and answers the
   * records read, so a listing can be taken after them and merge any its index did not show yet.
   */
  async settle<T>(
    namespace: string,
    getMany: (ids: string[]) => Promise<{ id: string; doc: T }[]>,
  ): Promise<T[]> {
    const ids = this.pending(namespace);
    if (ids.length === 0) return [];
    return (await this.poll(ids, getMany)).map((found) => found.doc);
  }

  private async poll<T>(
    ids: string[],
    getMany: (ids: string[]) => Promise<{ id: string; doc: T }[]>,
  ): Promise<{ id: string; doc: T }[]> {
    const deadline = this.now() + this.waitMs;
    const found: { id: string; doc: T }[] = [];
    let missing = ids;
    for (let step = 0; ; step++) {
      const got = await getMany(missing);
      const seen = new Set(got.map((g) => g.id));
      for (const g of got) this.entries.delete(g.id);
      found.push(...got);
      missing = missing.filter((id) => !seen.has(id));
      const wait = pollStepsMs[Math.min(step, pollStepsMs.length - 1)]!;
      if (missing.length === 0 || this.now() + wait > deadline) break;
      await this.sleep(wait);
    }
    // Waited for once: a record that did not come is not waited for again.
    for (const id of missing) this.entries.delete(id);
    return found;
  }
}
