/**
 * Property-based request fuzzer (issue 15, R20): requests generated over the API's own route table
 * (routeTable reads express's router stack, so new routes are fuzzed without being listed here),
 * with odd path segments, hostile query values, bad or huge or deep bodies and garbage headers.
 * Asserted: no 5xx but the allowed ones, OpenWhisk's `{"error", "code"}` on every 4xx, and the
 * server still answering `/ping` afterwards. PALETTE_FUZZ_RUNS sets the run count (default sized
 * to keep the unit suite fast); PALETTE_FUZZ_SEED replays a failure.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable, type RouteEntry } from '../../../src/api/route-table.js';
import { activationDoc, basic, guestAuth, otherAuth, startTestApi, type TestApi } from './fakes.js';

const runs = Number(process.env.PALETTE_FUZZ_RUNS ?? 5000);
const seed = process.env.PALETTE_FUZZ_SEED === undefined ? undefined : Number(process.env.PALETTE_FUZZ_SEED);
const activationId = '0123456789abcdef0123456789abcdef';

let api: TestApi;
let routes: RouteEntry[];
let restoreFixtures: () => void = () => undefined;

beforeAll(async () => {
  api = await startTestApi();
  // Healthy invokers, so an affinity upload plans (no invoker would be a 503).
  api.core.health = [0, 1, 2].map((id) => ({ id, name: `i${id}`, status: 'healthy', userMemoryMB: 2048 }));
  routes = routeTable(api.app);
  api.activations.add(activationDoc({ activationId, start: 1000 }));
  api.placements.records.set(activationId, { namespace: 'guest', color: 'red', policy: 'palette', at: 1000 });
  api.inFlight.entries = ['guest', 'other'].map((namespace, i) => ({
    activationId: `${i}`.repeat(32),
    namespace,
    action: { path: namespace, name: 'hello' },
    color: 'red',
    policy: 'consistent-hash',
    invoker: i,
    home: 0,
    reason: i === 0 ? 'home' : 'spilled',
    startedAt: 1000 + i,
  }));
  const exec = { kind: 'nodejs:20', code: 'function main(p) { return p; }' };
  expect((await api.call('PUT', '/api/v1/namespaces/_/actions/hello', { body: { exec } })).status).toBe(200);
  expect((await api.call('PUT', '/api/v1/namespaces/_/packages/pkg', { body: {} })).status).toBe(200);
  expect((await api.call('PUT', '/api/v1/namespaces/_/actions/pkg/inner', { body: { exec } })).status).toBe(
    200,
  );
  const webExport = [{ key: 'web-export', value: true }];
  for (const [name, annotations] of [
    ['web', webExport],
    ['rawweb', [...webExport, { key: 'raw-http', value: true }]],
  ] as const) {
    const res = await api.call('PUT', `/api/v1/namespaces/_/actions/${name}`, {
      body: { exec, annotations },
    });
    expect(res.status).toBe(200);
  }
  // Generated DELETEs and PUTs change the fixtures: each request starts from the same ones, so
  // later requests still reach existing entities.
  const actions = new Map(api.actions.docs);
  const packages = new Map(api.packages.docs);
  restoreFixtures = () => {
    api.actions.docs.clear();
    for (const [k, v] of actions) api.actions.docs.set(k, structuredClone(v));
    api.packages.docs.clear();
    for (const [k, v] of packages) api.packages.docs.set(k, structuredClone(v));
  };
  // An echo action: blocking calls (web actions included) answer with their arguments, so the
  // generated payloads also exercise how results are shaped into replies.
  api.core.respond = async (r) =>
    r.blocking
      ? {
          kind: 'completed',
          activationId,
          activation: {
            namespace: 'guest',
            name: 'hello',
            subject: 'guest',
            activationId,
            start: 1700000000000,
            end: 1700000000050,
            response: { statusCode: 0, result: r.payload as Record<string, unknown>, size: 17 },
            logs: [],
            version: '0.0.1',
            publish: false,
            annotations: [],
          },
        }
      : { kind: 'accepted', activationId };
});
afterAll(async () => {
  await api?.close();
});

// ---- generators ----

const unicode = fc.string({ unit: 'grapheme', maxLength: 12 });
const binaryish = fc.string({ unit: 'binary', maxLength: 12 });

/** A path segment: usually a plausible one, often an odd one. */
const segment = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('_', 'guest', 'other', 'hello', 'pkg', 'inner', 'pkg/inner', activationId),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '.',
      '..',
      '%',
      '%zz',
      '%00',
      '%2F',
      '%E2%82',
      'a'.repeat(300),
      '@x',
      'hello.json',
      'hello.http',
      'hello.svg',
      '*',
      '$',
      ' x',
    ),
  },
  { weight: 2, arbitrary: unicode.map(encodeURIComponent) },
  { weight: 1, arbitrary: binaryish.map(encodeURIComponent) },
);

/** Plausible values by parameter name, so many requests reach existing entities. */
const plausible: Record<string, readonly string[]> = {
  ns: ['_', '_', 'guest', 'other'],
  name: ['hello', 'pkg', 'inner', 'nope', 'web'],
  pkg: ['default', 'default', 'pkg', 'hello'],
  action: ['web', 'rawweb', 'hello', 'web.json', 'web.http', 'rawweb.text', 'web.svg'],
  rest: ['a', 'a/b.json', 'x.http'],
  id: [activationId, 'abc'],
};

/**
 * Fills a route's parameters (`:name`, `*splat`) with plausible or generated segments; an optional
 * `{...}` part is kept only sometimes.
 */
function pathFor(route: string, values: string[], odd: boolean[], pick: number): string {
  let i = 0;
  // Web action URLs name a real namespace, never `_`.
  const web = route.startsWith('/api/v1/web/');
  return route
    .replace(/\{([^{}]*)\}/g, (_m, inner: string) => (pick % 2 === 0 ? inner : ''))
    .replace(/[:*]([A-Za-z0-9_$]+)/g, (_m, param: string) => {
      const k = i++;
      const known = web && param === 'ns' ? ['guest', 'guest', 'other'] : plausible[param];
      if (known && !odd[k % odd.length]) return known[Math.floor(pick / 2 / 4 ** k) % known.length]!;
      return values[k % values.length] ?? '_';
    });
}

const numberLike = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.constantFrom(
    '-1',
    '0',
    '1',
    '200',
    '201',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775809',
    '8640000000000001',
    '1e3',
    '1.5',
    'NaN',
    'Infinity',
    '-0',
    '0x10',
    ' 1',
    '',
    'true',
    'on',
  ),
  fc.double().map(String),
  unicode,
);
const queryName = fc.oneof(
  fc.constantFrom(
    'since',
    'upto',
    'limit',
    'skip',
    'count',
    'docs',
    'name',
    'blocking',
    'result',
    'timeout',
    'overwrite',
    'public',
    'color',
    'code',
    'force',
  ),
  unicode,
);
const someQuery = fc
  .array(fc.tuple(queryName, numberLike), { maxLength: 4 })
  .map((pairs) =>
    pairs.length === 0
      ? ''
      : '?' + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'),
  );
const query = fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 2, arbitrary: someQuery });

const deep = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
const body: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          exec: fc.oneof(
            fc.record(
              {
                kind: fc.constantFrom('nodejs:20', 'sequence', 'blackbox', 'python:3', 'x'),
                code: fc.oneof(fc.string(), fc.integer()),
                components: fc.array(fc.string(), { maxLength: 3 }),
                image: fc.string(),
              },
              { requiredKeys: [] },
            ),
            fc.jsonValue({ maxDepth: 2 }),
          ),
          parameters: fc.oneof(
            fc.array(
              fc.record({ key: fc.oneof(fc.string(), fc.integer()), value: fc.jsonValue({ maxDepth: 2 }) }),
              { maxLength: 3 },
            ),
            fc.jsonValue({ maxDepth: 2 }),
          ),
          annotations: fc.jsonValue({ maxDepth: 2 }),
          limits: fc.record(
            { timeout: numberLike, memory: numberLike, logs: numberLike, concurrency: numberLike },
            { requiredKeys: [] },
          ),
          trigger: fc.string(),
          action: fc.string(),
          status: fc.constantFrom('active', 'inactive', 'x', 1),
          binding: fc.jsonValue({ maxDepth: 2 }),
          publish: fc.jsonValue({ maxDepth: 1 }),
          version: fc.string(),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{',
      '{"a":',
      '[1,]',
      'nul',
      '"\\ud800"',
      '{"a":1}{',
      '\u0000',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{}}}',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 400, max: 200_000 })
      .chain((n) =>
        fc.constantFrom(
          deep(n, '[', ']'),
          deep(n, '{"a":', '}').replace(/\{"a":\}/, '{"a":1}'),
          `{"p":${deep(n, '[', ']')}}`,
        ),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 3 }).map((mb) => JSON.stringify({ big: 'x'.repeat(mb * 700_000) })),
  },
);

const header = fc.oneof(
  fc.constantFrom<[string, string]>(
    ['content-type', 'application/json'],
    ['content-type', 'text/plain'],
    ['content-type', 'application/x-www-form-urlencoded'],
    ['content-type', '*/*; charset=utf-16'],
    ['accept', 'text/html'],
    ['accept-encoding', 'gzip'],
    ['content-encoding', 'gzip'],
    ['x-http-method-override', 'DELETE'],
    ['authorization', 'Basic'],
    ['authorization', 'Basic !!!'],
    ['authorization', `Basic ${Buffer.from(':').toString('base64')}`],
    ['authorization', `Basic ${Buffer.from('a'.repeat(5000)).toString('base64')}`],
    ['authorization', 'Bearer x'],
    ['x-palette-color', 'red'],
  ),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.stringMatching(/^[\x20-\x7e]{0,40}$/)),
);
const auth = fc.constantFrom<string | null>(guestAuth, guestAuth, guestAuth, otherAuth, null);

interface FuzzRequest {
  method: string;
  path: string;
  body: string | undefined;
  auth: string | null;
  headers: [string, string][];
}

function requests(): fc.Arbitrary<FuzzRequest> {
  const methods = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];
  return fc
    .record({
      route: fc.constantFrom(...routes),
      values: fc.array(segment, { minLength: 1, maxLength: 4 }),
      // Mostly plausible parameters, so requests get past the 404s to the handlers.
      odd: fc.array(
        fc.nat(3).map((n) => n === 0),
        { minLength: 1, maxLength: 4 },
      ),
      // Mostly none: an extra segment makes most routes a 404.
      extra: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: segment }),
      pick: fc.nat(),
      anyMethod: fc.constantFrom(...methods),
      ownMethod: fc.boolean(),
      query,
      body,
      auth,
      headers: fc.array(header, { maxLength: 3 }),
    })
    .map((r) => {
      const own = r.route.methods.filter((m) => m !== 'ALL');
      const method = r.ownMethod && own.length > 0 ? own[r.pick % own.length]! : r.anyMethod;
      let path = pathFor(r.route.path, r.values, r.odd, r.pick >> 3);
      if (r.extra !== null) path += `/${r.extra}`;
      return { method, path: path + r.query, body: r.body, auth: r.auth, headers: r.headers };
    });
}

/**
 * R20's allowed 5xx: an action's own error (502) and a status a web action set (the echo action
 * sets whatever the request asked for); never the API's own unexpected-error reply. No invoker is
 * stopped here, so no 503.
 */
function allowedServerError(status: number, path: string, text: string): boolean {
  if (status === 502) return true;
  return path.startsWith('/api/v1/web/') && !text.includes('Internal server error.');
}

const stats = { sent: 0, skipped: 0, byStatus: new Map<number, number>() };

async function send(r: FuzzRequest): Promise<void> {
  restoreFixtures();
  const headers = new Headers();
  try {
    for (const [k, v] of r.headers) headers.set(k, v);
    if (r.auth !== null) headers.set('authorization', basic(r.auth));
    else headers.delete('authorization');
  } catch {
    stats.skipped++; // a header the client itself refuses to send
    return;
  }
  const withBody = r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD';
  let res: Response;
  try {
    res = await fetch(api.url + r.path, { method: r.method, headers, body: withBody ? r.body : undefined });
  } catch (err) {
    // Only client-side refusals (a URL or method fetch will not send) are skipped; the server
    // dropping a connection without an answer is a failure.
    if (
      err instanceof TypeError &&
      !String((err as { cause?: unknown }).cause ?? '').match(/socket|closed|reset/i)
    ) {
      stats.skipped++;
      return;
    }
    throw err;
  }
  stats.sent++;
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  // The dashboard's event stream never ends: its status and headers are the answer.
  if (res.status === 200 && res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return;
  }
  const text = await res.text();
  const where = `${r.method} ${r.path} -> ${res.status} ${text.slice(0, 200)}`;
  if (res.status >= 500) expect(allowedServerError(res.status, r.path, text), where).toBe(true);
  if (res.status >= 400 && res.status < 500 && r.method !== 'HEAD') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    const shape = parsed as { error?: unknown; code?: unknown };
    expect(typeof shape.error === 'string' && typeof shape.code === 'string', where).toBe(true);
  }
}

describe('request fuzzer', () => {
  it('takes its routes from the app', () => {
    const paths = routes.map((r) => r.path);
    expect(paths).toContain('/api/v1/namespaces/:ns/actions/:name');
    expect(paths).toContain('/api/v1/namespaces/:ns/activations');
    expect(paths).toContain('/ping');
    expect(paths).toContain('/palette/v1/namespaces/:ns/activations/inflight');
    expect(paths).toContain('/palette/v1/namespaces/:ns/affinity');
    expect(paths).toContain('/dashboard');
    expect(paths).toContain('/palette/v1/namespaces/:ns/dashboard/events');
  });

  it(`survives ${runs} generated requests with no disallowed 5xx and OpenWhisk's shape on every 4xx`, async () => {
    await fc.assert(
      fc.asyncProperty(requests(), async (r) => send(r)),
      { numRuns: runs, ...(seed === undefined ? {} : { seed }) },
    );
    const ping = await fetch(`${api.url}/ping`);
    expect(ping.status).toBe(200);
    // Most requests reach the server: the generators are not just producing client-side refusals.
    expect(stats.sent).toBeGreaterThan(runs * 0.8);
    console.info(
      `fuzzer: ${stats.sent} sent, ${stats.skipped} skipped; by status ${JSON.stringify(Object.fromEntries(stats.byStatus))}`,
    );
  }, 120_000);
});
