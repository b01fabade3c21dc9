/**
 * Shared pieces of the store suites: a fresh set of databases per test (unique DB_PREFIX on the
 * pouchdb-server the global setup started), and an in-memory least-assigned table implementing
 * the port the persistence needs.
 */
import { randomBytes } from 'node:crypto';
import type { ColorAssignmentListener } from '../../../src/balancer/color-table.js';
import { connectCouch, type CouchConnection } from '../../../src/store/couch.js';
import type { ColorTablePort } from '../../../src/store/persistent-color-table.js';

export function couchUrl(): string {
  const url = process.env.COUCHDB_URL;
  if (!url)
    throw new Error('COUCHDB_URL is not set: run through vitest (test/setup/couch.ts starts pouchdb-server)');
  return url;
}

export function uniquePrefix(tag: string): string {
  return `test_${tag}_${randomBytes(4).toString('hex')}_`;
}

export function connect(prefix: string, url = couchUrl()): Promise<CouchConnection> {
  return connectCouch({
    url,
    prefix,
    user: process.env.COUCHDB_USER,
    password: process.env.COUCHDB_PASSWORD,
  });
}

/** Least-assigned: a new color goes to the candidate holding the fewest colors (first on ties). */
export class LeastAssignedTable implements ColorTablePort<readonly number[]> {
  private readonly colors = new Map<string, number>();
  private readonly counts = new Map<number, number>();
  private listener: ColorAssignmentListener | undefined;

  get(color: string): number | undefined {
    return this.colors.get(color);
  }

  assign(color: string, candidates: readonly number[]): number {
    const known = this.colors.get(color);
    if (known !== undefined) return known;
    const invoker = this.least(candidates);
    this.set(color, invoker);
    this.listener?.onAssignment(color, invoker, 'new');
    return invoker;
  }

  adopt(color: string, invoker: number): void {
    this.set(color, invoker);
  }

  removeInvoker(invoker: number, remaining: readonly number[]): void {
    for (const [color, at] of [...this.colors]) {
      if (at !== invoker) continue;
      const next = this.least(remaining);
      this.set(color, next);
      this.listener?.onAssignment(color, next, 'reassigned');
    }
  }

  setListener(listener: ColorAssignmentListener): void {
    this.listener = listener;
  }

  entries(): [string, number][] {
    return [...this.colors];
  }

  private least(candidates: readonly number[]): number {
    let best = candidates[0]!;
    for (const c of candidates) if ((this.counts.get(c) ?? 0) < (this.counts.get(best) ?? 0)) best = c;
    return best;
  }

  private set(color: string, invoker: number): void {
    const old = this.colors.get(color);
    if (old !== undefined) this.counts.set(old, (this.counts.get(old) ?? 1) - 1);
    this.colors.set(color, invoker);
    this.counts.set(invoker, (this.counts.get(invoker) ?? 0) + 1);
  }
}

export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
