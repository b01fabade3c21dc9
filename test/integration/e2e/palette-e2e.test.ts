/**
 * End to end through the REST API, over the real Kafka broker, with every invoker its own OS
 * process running real Node.js actions in warm child processes (issue 6's "must show"):
 * - 200 invocations with 5 colors: each color on one invoker, and the per-container cache hits
 *   after the first call of a color;
 * - uncolored invocations: with the default baseline (OpenWhisk sharding) an action stays on its
 *   home invoker; with PALETTE_BASELINE=round-robin they spread over all invokers;
 * - killing an invoker process moves only its colors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/platform/platform.js';
import { restClient, startTestPlatform } from '../../support/platform.js';

interface TimelineResult {
  hits: number;
  misses: number;
  invoker: string;
  posts: string[];
}

async function seedPosts(couchUrl: string, db: string, users: string[], perUser = 10): Promise<void> {
  await fetch(`${couchUrl}/${db}`, { method: 'PUT' });
  const docs = users.flatMap((user) =>
    Array.from({ length: perUser }, (_, n) => ({
      _id: `post:${user}:${n}`,
      author: user,
      n,
      text: `post ${n} of ${user}`,
    })),
  );
  const response = await fetch(`${couchUrl}/${db}/_bulk_docs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ docs }),
  });
  expect(response.status).toBe(201);
}

describe('the platform end to end over Kafka with invoker processes', () => {
  let platform: Platform;
  let rest: ReturnType<typeof restClient>;
  const db = `e2e_posts_${Date.now()}`;
  const colors = ['alice', 'bob', 'carol', 'dave', 'erin'];

  beforeAll(async () => {
    platform = await startTestPlatform('e2e', { invokers: 4 }, { invokerProcesses: true });
    rest = restClient(platform);
    expect((await rest.createAction('timeline', 'timeline.js')).status).toBe(200);
    expect((await rest.createAction('hello', 'hello.js')).status).toBe(200);
    await seedPosts(platform.couchUrl, db, [...colors, ...Array.from({ length: 20 }, (_, i) => `u${i}`)]);
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  const timeline = async (user: string) => {
    const reply = await rest.invoke('timeline', { kind: 'user', user, db, __palette_color: user });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body as TimelineResult;
  };

  it('200 invocations with 5 colors: each color on one invoker, cache hits after the first call', async () => {
    const byColor = new Map<string, TimelineResult[]>();
    for (const color of colors) {
      const results: TimelineResult[] = [];
      for (let i = 0; i < 40; i++) results.push(await timeline(color));
      byColor.set(color, results);
    }
    for (const [color, results] of byColor) {
      expect(new Set(results.map((r) => r.invoker)).size, `${color} ran on one invoker`).toBe(1);
      expect(results[0]!.misses, `${color}'s first call reads CouchDB`).toBe(10);
      expect(
        results.slice(1).every((r) => r.hits === 10 && r.misses === 0),
        `${color} hits after the first`,
      ).toBe(true);
    }
    expect([...byColor.values()].flat()).toHaveLength(200);
  });

  it('uncolored invocations stay on the action home invoker with the default baseline (OpenWhisk sharding)', async () => {
    const invokers = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const reply = await rest.invoke('hello', { n: i });
      expect(reply.status).toBe(200);
      invokers.add(String((reply.body as { invoker: string }).invoker));
    }
    expect(invokers.size).toBe(1);
  });

  it('killing an invoker process moves only its colors', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `u${i}`);
    const before = new Map<string, string>();
    for (const user of users) before.set(user, (await timeline(user)).invoker);
    const counts = new Map<string, number>();
    for (const invoker of before.values()) counts.set(invoker, (counts.get(invoker) ?? 0) + 1);
    // kill the invoker holding the most colors
    const victim = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    platform.invokers.get(Number(victim))!.process!.kill('SIGKILL');
    const deadline = Date.now() + 30_000;
    while (platform.controller.invokerHealth().find((i) => i.id === Number(victim))?.status !== 'offline') {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 250));
    }
    const after = new Map<string, string>();
    for (const user of users) after.set(user, (await timeline(user)).invoker);
    for (const user of users) {
      if (before.get(user) === victim)
        expect(after.get(user), `${user} left the dead invoker`).not.toBe(victim);
      else expect(after.get(user), `${user} stayed`).toBe(before.get(user));
    }
    expect([...before.values()].filter((i) => i === victim).length).toBeGreaterThan(0);
  }, 90_000);
});

describe('uncolored invocations with PALETTE_BASELINE=round-robin', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startTestPlatform(
      'e2err',
      { invokers: 4, baseline: 'round-robin' },
      { invokerProcesses: true },
    );
    expect((await restClient(platform).createAction('hello', 'hello.js')).status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  it('spread over all invokers', async () => {
    const rest = restClient(platform);
    const seen = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const reply = await rest.invoke('hello', { n: i });
      expect(reply.status).toBe(200);
      const invoker = String((reply.body as { invoker: string }).invoker);
      seen.set(invoker, (seen.get(invoker) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['0', '1', '2', '3']);
    // round-robin gives each healthy invoker its turn (exactly 10 each while all stay healthy)
    for (const count of seen.values()) expect(count).toBeGreaterThanOrEqual(5);
  });
});
