/**
 * Shared pieces of the store suites: a fresh set of databases per test (unique DB_PREFIX on the
 * pouchdb-server the global setup started), and the least-assigned policy's use of its table.
 */
import { randomBytes } from 'node:crypto';
import type { ColorTable } from '../../../src/balancer/color-table.js';
import { connectCouch, type CouchConnection } from '../../../src/store/couch.js';

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

/** What the least-assigned policy does on use: a known color keeps its invoker, a new one is assigned. */
export function place(table: ColorTable, color: string, candidates: readonly number[]): number {
  return table.get(color) ?? table.assign(color, candidates);
}

export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
