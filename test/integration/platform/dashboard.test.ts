/**
 * The dashboard's data routes on the real platform (issue 18 item 4, R12, R23): real Kafka, real
 * CouchDB, invokers running real Node.js actions. Checks that the controller feeds the dashboard
 * (placements, acknowledged records, completions), that warmth comes from the acks, and that the
 * lists never show another namespace's activations or colors.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardSnapshot } from '../../../src/api/dashboard/snapshot.js';
import type { Platform } from '../../../src/platform/platform.js';
import { subjectDocFor, wellKnownAuth } from '../../../src/store/subject-store.js';
import { restClient, startTestPlatform } from '../../support/platform.js';

let platform: Platform;
const otherNamespace = `dash${randomBytes(3).toString('hex')}`;
const otherAuth = `${randomUUID()}:${randomBytes(32).toString('hex')}`;

beforeAll(async () => {
  platform = await startTestPlatform('dashboard', { invokers: 2 }, { invokerProcesses: false });
  expect(await platform.stores.subjects.create(subjectDocFor(otherNamespace, otherAuth))).toBe(true);
}, 120_000);
afterAll(async () => {
  await platform?.stop();
}, 60_000);

const basic = (auth: string) => `Basic ${Buffer.from(auth).toString('base64')}`;

async function call(auth: string | null, path: string, method = 'GET') {
  return fetch(`${platform.apiHost}${path}`, {
    method,
    headers: auth === null ? {} : { authorization: basic(auth) },
  });
}

async function snapshot(auth: string, query = '', ns = '_'): Promise<DashboardSnapshot> {
  const res = await call(auth, `/palette/v1/namespaces/${ns}/dashboard${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as DashboardSnapshot;
}

/** Polls the snapshot until `done` holds (bounded: 10 s). */
async function until(auth: string, done: (s: DashboardSnapshot) => boolean): Promise<DashboardSnapshot> {
  let last: DashboardSnapshot | undefined;
  for (let i = 0; i < 100; i++) {
    last = await snapshot(auth);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last!;
}

describe('the dashboard on the real platform', () => {
  beforeAll(async () => {
    const guest = restClient(platform);
    const other = {
      call: (method: string, path: string, body?: unknown) =>
        fetch(`${platform.apiHost}/api/v1${path}`, {
          method,
          headers: { authorization: basic(otherAuth), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
    };
    expect((await guest.createAction('hello', 'hello.js')).status).toBe(200);
    const code = 'function main(p) { return { ok: true }; }';
    const created = await other.call('PUT', '/namespaces/_/actions/hello?overwrite=true', {
      exec: { kind: 'nodejs:20', code },
    });
    expect(created.status).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await guest.invoke('hello', { __palette_color: 'guest-blocking' })).status).toBe(200);
    for (let i = 0; i < 2; i++)
      expect((await guest.invoke('hello', { __palette_color: 'guest-async' }, false)).status).toBe(202);
    for (let i = 0; i < 2; i++) {
      const res = await other.call('POST', '/namespaces/_/actions/hello?blocking=true', {
        __palette_color: 'other-secret',
      });
      expect(res.status).toBe(200);
    }
  }, 60_000);

  it('shows both invokers, warm starts from the acks, and the caller-namespace lists', async () => {
    const guest = await until(
      platform.authKey,
      (s) => s.activations.length === 5 && s.activations.every((a) => a.status !== 'running'),
    );
    expect(guest.namespace).toBe('guest');
    expect(guest.invokers.map((i) => [i.id, i.status])).toEqual([
      [0, 'up'],
      [1, 'up'],
    ]);
    // Blocking invokes' acks carry the record: 3 of the guest's and 2 of the other namespace's.
    const acked = guest.invokers.reduce((n, i) => n + i.warm + i.cold, 0);
    expect(acked).toBe(5);
    // Each action's first activation on an invoker is cold.
    expect(guest.invokers.reduce((n, i) => n + i.cold, 0)).toBeGreaterThanOrEqual(2);
    expect(guest.offHome.placed).toBe(7);
    expect(guest.topColors.map((c) => [c.color, c.activations])).toEqual([
      ['guest-blocking', 3],
      ['guest-async', 2],
    ]);
    const statuses = guest.activations.map((a) => [a.color, a.status]);
    expect(statuses.filter(([c]) => c === 'guest-blocking').every(([, s]) => s === 'success')).toBe(true);
    // A non-blocking invoke's completion carries no record.
    expect(statuses.filter(([c]) => c === 'guest-async').every(([, s]) => s === 'done')).toBe(true);
    expect(JSON.stringify(guest)).not.toContain('other-secret');
    expect(JSON.stringify(guest)).not.toContain(otherNamespace);

    const logs = await call(platform.authKey, guest.activations[0]!.logs);
    expect(logs.status).toBe(200);
  });

  it("keeps each namespace's lists its own; whisk.system sees every namespace", async () => {
    const other = await snapshot(otherAuth);
    expect(other.activations.map((a) => a.color)).toEqual(['other-secret', 'other-secret']);
    expect(JSON.stringify(other)).not.toContain('guest-');
    expect((await call(otherAuth, '/palette/v1/namespaces/guest/dashboard')).status).toBe(403);
    expect((await call(otherAuth, '/palette/v1/namespaces/guest/dashboard/events')).status).toBe(403);
    const system = await snapshot(wellKnownAuth['whisk.system']);
    expect(system.namespace).toBe('*');
    expect(new Set(system.activations.map((a) => a.namespace))).toEqual(new Set(['guest', otherNamespace]));
  });

  it('asks for the key on the page and the data, and refuses a wrong one', async () => {
    for (const path of ['/dashboard', '/palette/v1/namespaces/_/dashboard']) {
      const res = await call(null, path);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Palette"');
      expect((await call(`${otherAuth.split(':')[0]}:wrong`, path)).status).toBe(401);
    }
    expect((await call(platform.authKey, '/dashboard')).status).toBe(200);
  });

  it('lists a sequence beside its components, completed from the record the controller writes', async () => {
    const guest = restClient(platform);
    const created = await guest.call('PUT', '/namespaces/_/actions/twice?overwrite=true', {
      exec: { kind: 'sequence', components: ['/guest/hello', '/guest/hello'] },
    });
    expect(created.status).toBe(200);
    expect((await guest.invoke('twice', { __palette_color: 'guest-seq' })).status).toBe(200);
    let s: DashboardSnapshot | undefined;
    for (let i = 0; i < 100; i++) {
      s = await snapshot(platform.authKey, '?color=guest-seq');
      if (s.activations.length === 3 && s.activations.every((a) => a.status === 'success')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s!.activations.map((a) => [a.kind, a.action, a.status])).toEqual([
      ['action', 'guest/hello', 'success'],
      ['action', 'guest/hello', 'success'],
      ['sequence', 'guest/twice', 'success'],
    ]);
  });

  it("lists a trigger's own activation beside the action its rule started", async () => {
    const guest = restClient(platform);
    expect((await guest.call('PUT', '/namespaces/_/triggers/dtrig?overwrite=true', {})).status).toBe(200);
    const rule = await guest.call('PUT', '/namespaces/_/rules/drule?overwrite=true', {
      trigger: '/_/dtrig',
      action: '/_/hello',
    });
    expect(rule.status).toBe(200);
    expect(
      (await guest.call('POST', '/namespaces/_/triggers/dtrig', { __palette_color: 'guest-trig' })).status,
    ).toBe(202);
    let s: DashboardSnapshot | undefined;
    for (let i = 0; i < 100; i++) {
      s = await snapshot(platform.authKey, '?color=guest-trig');
      if (s.activations.length === 2 && s.activations.every((a) => a.status !== 'running')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const rows = s!.activations.map((a) => [a.kind, a.action, a.status]);
    expect(rows).toContainEqual(['trigger', 'guest/dtrig', 'success']);
    expect(rows).toContainEqual(['action', 'guest/hello', expect.stringMatching(/^(done|success)$/)]);
    // The trigger has no invoker and no duration of its own (its record's end is 0).
    const trigger = s!.activations.find((a) => a.kind === 'trigger')!;
    expect(trigger.invoker).toBeUndefined();
    expect(trigger.duration).toBeUndefined();
  });

  it('streams the same snapshot as server-sent events', async () => {
    const controller = new AbortController();
    const res = await fetch(
      `${platform.apiHost}/palette/v1/namespaces/_/dashboard/events?color=guest-async`,
      {
        headers: { authorization: basic(platform.authKey) },
        signal: controller.signal,
      },
    );
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n', text.indexOf('event: snapshot'))) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const data = text.slice(text.indexOf('event: snapshot')).split('\n')[1]!.slice('data: '.length);
    const s = JSON.parse(data) as DashboardSnapshot;
    expect(s.activations.map((a) => a.color)).toEqual(['guest-async', 'guest-async']);
  });
});
