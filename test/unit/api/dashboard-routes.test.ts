/**
 * The dashboard's routes (issue 18 item 4, R12) over the API with in-memory ports: the page and
 * its assets behind the key (401 with the Palette realm), the JSON snapshot and its event stream
 * (403 for another namespace, lists scoped to the caller's namespace, aggregates over all).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Placement } from '../../../src/controller/types.js';
import type { DashboardSnapshot } from '../../../src/api/dashboard/snapshot.js';
import { basic, guestAuth, otherAuth, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
const hex = (n: number) => n.toString(16).padStart(32, '0');
const systemAuth =
  'bbbbbbbb-71f6-4ed5-8c54-816aa4f8c502:systemkeysystemkeysystemkeysystemkeysystemkeysystemkeysystemke';
const data = (ns: string, query = '') => `/palette/v1/namespaces/${ns}/dashboard${query}`;
const events = (ns: string, query = '') => `/palette/v1/namespaces/${ns}/dashboard/events${query}`;

function placement(n: number, namespace: string, color: string | undefined, over: Partial<Placement> = {}) {
  return {
    activationId: hex(n),
    namespace,
    action: `${namespace}/hello`,
    ...(color !== undefined ? { color } : {}),
    policy: 'consistent-hash',
    invoker: n % 2,
    home: 0,
    forced: false,
    spilled: n % 2 === 1,
    reason: n % 2 === 1 ? 'spilled' : 'home',
    hops: n % 2,
    controller: 'palette0',
    time: Date.now(),
    ...over,
  } satisfies Placement;
}

beforeEach(async () => {
  api = await startTestApi();
  api.subjects.add('whisk.system', systemAuth);
  api.core.health = [
    { id: 1, name: 'invoker1', status: 'unhealthy', userMemoryMB: 1024 },
    { id: 0, name: 'invoker0', status: 'healthy', userMemoryMB: 2048 },
  ];
  api.colorsPerInvoker.set(0, 7);
  api.inFlight.entries = [
    {
      activationId: hex(99),
      namespace: 'other',
      action: { path: 'other', name: 'slow' },
      color: 'secret-other-color',
      policy: 'consistent-hash',
      invoker: 1,
      home: 1,
      reason: 'home',
      startedAt: Date.now(),
    },
  ];
  api.activity.placed(placement(1, 'guest', 'red'));
  api.activity.placed(placement(2, 'guest', 'red'));
  api.activity.placed(placement(3, 'guest', 'blue', { action: 'guest/pkg/other-action' }));
  api.activity.placed(placement(4, 'other', 'secret-other-color'));
});
afterEach(async () => {
  await api.close();
});

describe('GET /dashboard and its assets', () => {
  it('asks for the key with the Palette realm, and refuses a wrong one', async () => {
    for (const path of [
      '/dashboard',
      '/dashboard/dashboard.js',
      '/dashboard/dashboard.css',
      data('_'),
      events('_'),
    ]) {
      const missing = await api.call('GET', path, { auth: null });
      expect(missing.status, path).toBe(401);
      expect(missing.headers.get('www-authenticate'), path).toBe('Basic realm="Palette"');
      const body = (await missing.json()) as { error: string; code: string };
      expect(typeof body.error === 'string' && typeof body.code === 'string').toBe(true);
      const wrong = await api.call('GET', path, { auth: `${guestAuth.split(':')[0]}:nope` });
      expect(wrong.status, path).toBe(401);
      expect(wrong.headers.get('www-authenticate'), path).toBe('Basic realm="Palette"');
    }
  });

  it('serves the page and its assets with a strict CSP, no inline script', async () => {
    const page = await api.call('GET', '/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).toContain('src="/dashboard/dashboard.js"');
    expect(html).not.toMatch(/<script>[^<]/);
    const js = await api.call('GET', '/dashboard/dashboard.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const script = await js.text();
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect((await api.call('GET', '/dashboard/dashboard.css')).headers.get('content-type')).toBe(
      'text/css; charset=utf-8',
    );
    const bytes = Buffer.byteLength(html) + Buffer.byteLength(script);
    expect(bytes).toBeLessThan(500_000);
  });

  it('is read-only', async () => {
    const res = await api.call('POST', '/dashboard', { body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect((await api.call('DELETE', data('_'))).status).toBe(405);
  });
});

describe('GET /palette/v1/namespaces/{ns}/dashboard', () => {
  it('answers platform aggregates and the caller-namespace lists', async () => {
    const res = await api.call('GET', data('_'));
    expect(res.status).toBe(200);
    const s = (await res.json()) as DashboardSnapshot;
    expect(s.namespace).toBe('guest');
    expect(s.controller).toBe('palette0');
    expect(s.invokers.map((i) => [i.id, i.name, i.status, i.inFlight, i.colors])).toEqual([
      [0, 'invoker0', 'up', 0, 7],
      [1, 'invoker1', 'unhealthy', 1, 0],
    ]);
    // Aggregates count every namespace's activations (4 placed, 2 spilled).
    expect(s.inFlight).toBe(1);
    expect(s.offHome).toEqual({ placed: 4, spilled: 2, forced: 0, share: 0.5 });
    expect(s.ratesByPolicy['consistent-hash']).toBeCloseTo(4 / s.rateWindowSeconds);
    // Lists: the guest's only.
    expect(s.topColors).toEqual([
      { namespace: 'guest', color: 'red', activations: 2 },
      { namespace: 'guest', color: 'blue', activations: 1 },
    ]);
    expect(s.activations.map((a) => a.activationId)).toEqual([hex(3), hex(2), hex(1)]);
    expect(JSON.stringify(s)).not.toContain('secret-other-color');
    expect(s.activations[0]!.logs).toBe(`/api/v1/namespaces/guest/activations/${hex(3)}/logs`);
    expect(s.activations[0]).toMatchObject({
      status: 'running',
      policy: 'consistent-hash',
      reason: 'spilled',
    });
  });

  it('filters recent activations by color and by action', async () => {
    const byColor = (await (await api.call('GET', data('guest', '?color=red'))).json()) as DashboardSnapshot;
    expect(byColor.activations.map((a) => a.activationId)).toEqual([hex(2), hex(1)]);
    const byAction = (await (
      await api.call('GET', data('_', '?action=other-action'))
    ).json()) as DashboardSnapshot;
    expect(byAction.activations.map((a) => a.activationId)).toEqual([hex(3)]);
    const limited = (await (await api.call('GET', data('_', '?limit=1'))).json()) as DashboardSnapshot;
    expect(limited.activations).toHaveLength(1);
    expect((await api.call('GET', data('_', '?limit=201'))).status).toBe(400);
    // Another namespace's color shows nothing, even when named.
    const foreign = (await (
      await api.call('GET', data('_', '?color=secret-other-color'))
    ).json()) as DashboardSnapshot;
    expect(foreign.activations).toEqual([]);
  });

  it("refuses another namespace with 403, and shows a whisk.system key every namespace's lists", async () => {
    const res = await api.call('GET', data('other'));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toContain('not authorized');
    const other = (await (await api.call('GET', data('_'), { auth: otherAuth })).json()) as DashboardSnapshot;
    expect(other.activations.map((a) => a.activationId)).toEqual([hex(4)]);
    const system = (await (
      await api.call('GET', data('_'), { auth: systemAuth })
    ).json()) as DashboardSnapshot;
    expect(system.namespace).toBe('*');
    expect(system.activations).toHaveLength(4);
    expect(system.topColors.map((c) => c.color)).toContain('secret-other-color');
    // Naming its own namespace, whisk.system sees only that one.
    const own = (await (
      await api.call('GET', data('whisk.system'), { auth: systemAuth })
    ).json()) as DashboardSnapshot;
    expect(own.activations).toEqual([]);
  });
});

/** Reads server-sent events until `count` snapshots arrived. */
async function readSnapshots(path: string, count: number, auth = guestAuth): Promise<DashboardSnapshot[]> {
  const controller = new AbortController();
  const res = await fetch(api.url + path, {
    headers: { authorization: basic(auth) },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const found: DashboardSnapshot[] = [];
  let buffer = '';
  try {
    while (found.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const lines = block.split('\n');
        if (lines[0] !== 'event: snapshot') continue;
        found.push(JSON.parse(lines[1]!.slice('data: '.length)) as DashboardSnapshot);
      }
    }
  } finally {
    controller.abort();
  }
  return found;
}

describe('GET /palette/v1/namespaces/{ns}/dashboard/events', () => {
  it('streams snapshots that follow new activity, scoped like the JSON route', async () => {
    const stream = readSnapshots(events('_', '?color=red'), 3);
    setTimeout(() => api.activity.placed(placement(5, 'guest', 'red')), 30);
    const snapshots = await stream;
    expect(snapshots[0]!.activations.map((a) => a.activationId)).toEqual([hex(2), hex(1)]);
    expect(snapshots.at(-1)!.activations.map((a) => a.activationId)).toEqual([hex(5), hex(2), hex(1)]);
    expect(JSON.stringify(snapshots)).not.toContain('secret-other-color');
  });

  it('answers HEAD with the headers alone, so the connection can be reused', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await api.call('HEAD', events('_'));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    }
    expect((await api.call('GET', data('_'))).status).toBe(200);
  });

  it('refuses another namespace with 403 before the stream starts', async () => {
    const res = await api.call('GET', events('other'));
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/json');
  });

  it('refuses a stream past its bound with 429, and frees the slot when a client goes away', async () => {
    // startTestApi allows 4 streams at once.
    const open = await Promise.all([0, 1, 2, 3].map(() => openStream(events('_'))));
    const refused = await api.call('GET', events('_'));
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toContain('Too many dashboard streams');
    open[0]!.abort();
    // The server sees the client leave a moment later: bounded retries.
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      const again = await openStream(events('_'), false);
      status = again.status;
      again.abort();
      if (status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe(200);
    for (const s of open) s.abort();
  });
});

async function openStream(path: string, expectOk = true): Promise<{ status: number; abort: () => void }> {
  const controller = new AbortController();
  const res = await fetch(api.url + path, {
    headers: { authorization: basic(guestAuth) },
    signal: controller.signal,
  });
  if (expectOk) expect(res.status).toBe(200);
  if (res.status !== 200) await res.text();
  return { status: res.status, abort: () => controller.abort() };
}
