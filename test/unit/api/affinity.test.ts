import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { affinityBodyLimit } from '../../../src/api/routes/affinity.js';
import { basic, guestAuth, otherAuth, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
  api.core.health = [0, 1, 2, 3].map((id) => ({
    id,
    name: `invoker${id}`,
    status: id === 3 ? 'unhealthy' : 'healthy',
    userMemoryMB: 2048,
  }));
});
afterEach(async () => {
  await api.close();
});

const path = (ns: string) => `/palette/v1/namespaces/${ns}/affinity`;
/** Two triangles joined by one edge, and a rate for one color. */
const edges = 'a b\nb c\nc a\nd e 2\ne f\nf d\nc d 0.1\n@rate a 3\n';
const text = (body: string) => ({ raw: body, headers: { 'content-type': 'text/plain' } });

describe('PUT/GET /palette/v1/namespaces/{ns}/affinity', () => {
  it('plans over the healthy invokers, pins the caller’s namespace and shows the summary', async () => {
    const res = await api.call('PUT', `${path('_')}?capacityFactor=2&seed=4`, text(edges));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      namespace: string;
      pinned: number;
      summary: Record<string, unknown>;
    };
    expect(body).toMatchObject({ namespace: 'guest', pinned: 6, removed: 0 });
    expect(body.summary).toMatchObject({ colors: 6, edges: 7, invokers: 3, capacityFactor: 2, seed: 4 });
    const pins = api.affinity.pins.get('guest')!;
    expect(new Set(pins.values()).has(3)).toBe(false);
    expect(pins.get('a')).toBe(pins.get('b'));
    expect(pins.get('d')).toBe(pins.get('e'));

    const shown = await api.call('GET', path('guest'));
    expect(shown.status).toBe(200);
    const plan = (await shown.json()) as { summary: { edgeLocality: number; loads: unknown[] } };
    expect(plan.summary.edgeLocality).toBeGreaterThan(0.9);
    expect(plan.summary.loads).toHaveLength(3);
  });

  it('refuses another namespace (403), no key (401), a bad line (400 with its number), an empty list (400)', async () => {
    const other = await api.call('PUT', path('guest'), { ...text(edges), auth: otherAuth });
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({
      error: 'The supplied authentication is not authorized to access this resource.',
    });
    expect((await api.call('GET', path('guest'), { auth: otherAuth })).status).toBe(403);
    const none = await api.call('GET', path('_'), { auth: null });
    expect(none.status).toBe(401);
    expect(await none.json()).toHaveProperty('code');
    const bad = await api.call('PUT', path('_'), text('a b\nb c\noops\n'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('line 3: expected');
    expect((await api.call('PUT', path('_'), text('# nothing\n'))).status).toBe(400);
    expect((await api.call('PUT', `${path('_')}?capacityFactor=0.5`, text(edges))).status).toBe(400);
    expect(api.affinity.pins.size).toBe(0);
    expect((await api.call('GET', path('_'))).status).toBe(404);
    const post = await api.call('POST', path('_'), text(edges));
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, PUT');
  });

  it('answers 413 above 48 MB, declared or streamed, and 503 without a healthy invoker', async () => {
    // Declared too large: refused before a byte of the body is sent.
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(`${api.url}${path('_')}`, {
        method: 'PUT',
        headers: { authorization: basic(guestAuth), 'content-length': String(affinityBodyLimit + 1) },
      });
      req.on('response', (res) => resolve(res.statusCode!));
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(declared).toBe(413);
    const line = 'x'.repeat(60) + ' y\n';
    const big = line.repeat(Math.ceil((affinityBodyLimit + 1) / line.length));
    const streamed = await api.call('PUT', path('_'), text(big));
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toHaveProperty('code');
    api.core.health = [];
    expect((await api.call('PUT', path('_'), text(edges))).status).toBe(503);
  });

  it('replaces the namespace’s previous plan', async () => {
    await api.call('PUT', path('_'), text(edges));
    const second = await api.call('PUT', path('_'), text('a b\n'));
    expect(await second.json()).toMatchObject({ pinned: 2, removed: 4 });
  });
});
