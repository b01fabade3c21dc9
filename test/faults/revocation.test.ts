/**
 * Fault (issue 15 item 7): a key deleted from the subjects database, or replaced by a new one, stops
 * working within 10 s (two 5 s identity caches: the API's and the store's). The outcome (401 after
 * the change, the new key working) is asserted; the time is printed for the README's Faults table.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import { subjectDocFor } from '../../src/store/subject-store.js';
import { startTestPlatform } from '../support/platform.js';
import { waitUntil } from '../support/processes.js';

describe('key revocation', () => {
  let platform: Platform;
  const newAuth = () => `${randomUUID()}:${randomBytes(32).toString('hex')}`;
  const status = async (auth: string) =>
    (
      await fetch(`${platform.apiHost}/api/v1/namespaces`, {
        headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
      })
    ).status;
  const subjectsUrl = () => `${platform.couchUrl}/${platform.config.dbPrefix}subjects`;

  beforeAll(async () => {
    platform = await startTestPlatform('revocation', { invokers: 1 });
  }, 180_000);
  afterAll(async () => {
    await platform?.stop();
  });

  it('a deleted subject stops authenticating, and a replaced key stops while the new one works', async () => {
    const auth = newAuth();
    expect(await platform.stores.subjects.create(subjectDocFor('revoked-user', auth))).toBe(true);
    await waitUntil(async () => (await status(auth)) === 200, 30_000, 'the new key works');
    for (let i = 0; i < 5; i++) expect(await status(auth)).toBe(200); // now cached on both levels

    const doc = (await (await fetch(`${subjectsUrl()}/revoked-user`)).json()) as { _rev: string };
    const deleted = await fetch(`${subjectsUrl()}/revoked-user?rev=${doc._rev}`, { method: 'DELETE' });
    expect(deleted.ok).toBe(true);
    const deletedMs = await waitUntil(
      async () => (await status(auth)) === 401,
      60_000,
      'the deleted key refused',
    );

    const oldAuth = newAuth();
    const replacement = newAuth();
    expect(await platform.stores.subjects.create(subjectDocFor('rotating-user', oldAuth))).toBe(true);
    await waitUntil(async () => (await status(oldAuth)) === 200, 30_000, 'the old key works');
    const current = (await (await fetch(`${subjectsUrl()}/rotating-user`)).json()) as Record<string, unknown>;
    const rotated = { ...subjectDocFor('rotating-user', replacement), _rev: current._rev };
    const put = await fetch(`${subjectsUrl()}/rotating-user`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rotated),
    });
    expect(put.ok).toBe(true);
    const rotatedMs = await waitUntil(
      async () => (await status(oldAuth)) === 401,
      60_000,
      'the old key refused',
    );
    expect(await status(replacement)).toBe(200);
    console.log(
      `[faults] revocation: a deleted key refused after ${(deletedMs / 1000).toFixed(1)} s, ` +
        `a replaced key after ${(rotatedMs / 1000).toFixed(1)} s (bound: 10 s)`,
    );
  }, 200_000);
});
