/**
 * Apache OpenWhisk's own invoker (apache/openwhisk@1fae641, built from source, unchanged) under
 * Palette's controller: two real invokers, no Palette invoker. Issue 14's "Done when":
 * - Palette's health supervision makes them healthy (their health test action runs on them);
 * - `wsk action invoke -p __palette_color X -r` runs on the real invoker the policy chose, every
 *   color sticks to one invoker and reuses its warm container (same proxy pid, counter goes up);
 * - blocking, non-blocking, application error, timeout and thrown error answer as OpenWhisk does;
 * - the records the real invoker writes are listed and shown by `wsk activation list/get/logs`
 *   through Palette, with the palette.* placement annotations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  annotation,
  jsonOf,
  probeCode,
  restFor,
  startFleet,
  wskFor,
  type Fleet,
  type ProbeResult,
} from './harness.js';
import { skipReason } from './support.js';

const reason = await skipReason();

describe.skipIf(reason !== undefined)('two real OpenWhisk invokers under Palette', () => {
  let fleet: Fleet;
  let wsk: ReturnType<typeof wskFor>;
  let rest: ReturnType<typeof restFor>;

  const put = async (name: string, code: string, limits: Record<string, number> = {}) => {
    const reply = await rest.call('PUT', `/namespaces/_/actions/${name}?overwrite=true`, {
      exec: { kind: 'nodejs:20', code },
      ...(Object.keys(limits).length ? { limits } : {}),
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  };

  const invokeColored = async (color: string, echo: string): Promise<ProbeResult> => {
    const run = await wsk.run(
      'action',
      'invoke',
      'probe',
      '-p',
      '__palette_color',
      color,
      '-p',
      'echo',
      echo,
      '-r',
    );
    expect(run.code, run.stderr || run.stdout).toBe(0);
    return jsonOf(run.stdout) as ProbeResult;
  };

  const getRecord = async (id: string): Promise<Record<string, unknown>> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const run = await wsk.run('activation', 'get', id);
      if (run.code === 0) return jsonOf(run.stdout) as Record<string, unknown>;
      if (Date.now() > deadline) throw new Error(`wsk activation get ${id}: ${run.stderr}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    fleet = await startFleet('owreal', [0, 1]);
    wsk = wskFor(fleet);
    rest = restFor(fleet);
    await put('probe', probeCode);
    await put('apperror', `function main() { return { error: 'not a valid order' }; }`);
    await put('thrower', `function main() { throw new Error('boom'); }`);
    await put(
      'sleeper',
      `function main(p) { return new Promise((r) => setTimeout(() => r({ slept: p.ms }), p.ms)); }`,
      { timeout: 1000 },
    );
  });

  afterAll(async () => {
    wsk?.close();
    await fleet?.stop();
  }, 120_000);

  it('the real invokers are healthy for Palette, and their health test action ran on them', async () => {
    const view = await fleet.health();
    expect([...view.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0, { label: 'invoker0/openwhisk-invoker-0', status: 'up' }],
      [1, { label: 'invoker1/openwhisk-invoker-1', status: 'up' }],
    ]);
    // The health test action's records, written by the real invokers themselves under whisk.system.
    const db = `${fleet.couchUrl.replace(/\/$/, '')}/${fleet.prefix}activations`;
    const query = `startkey=${encodeURIComponent('"whisk.system/"')}&endkey=${encodeURIComponent('"whisk.system/\ufff0"')}`;
    const reply = await fetch(`${db}/_all_docs?include_docs=true&${query}`);
    const rows = ((await reply.json()) as { rows: { doc: Record<string, unknown> }[] }).rows;
    const health = rows.map((r) => r.doc).filter((d) => String(d.name).startsWith('invokerHealthTestAction'));
    expect(health.length, 'one test activation per invoker at least').toBeGreaterThanOrEqual(2);
    for (const doc of health) expect(doc.response).toMatchObject({ statusCode: 0 });
    for (const invoker of fleet.real.values()) {
      expect(invoker.dockerCalls(), `invoker${invoker.id} started containers`).toMatch(/ok run -d /);
    }
  });

  it('a colored invoke runs on the real invoker the policy chose; colors stick and reuse warm containers', async () => {
    const colors = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
    const placed = new Map<string, number>();
    for (const color of colors) {
      const results: ProbeResult[] = [];
      for (let i = 0; i < 4; i++) results.push(await invokeColored(color, `${color}-${i}`));
      expect(results.map((r) => r.echo)).toEqual([0, 1, 2, 3].map((i) => `${color}-${i}`));
      // Warm containers are reused: fewer proxy processes than calls, and a container that comes back has
      // run exactly the calls in between (its module counter). OpenWhisk frees a container only after it
      // has collected the logs, so a quick next call may be given another warm one.
      const pids = new Set(results.map((r) => r.pid));
      expect(pids.size, `${color} reused a warm container`).toBeLessThan(results.length);
      const last = new Map<number, number>();
      for (const r of results) {
        if (last.has(r.pid))
          expect(r.count, `${color}: counter of proxy ${r.pid}`).toBe(last.get(r.pid)! + 1);
        last.set(r.pid, r.count);
      }
      const owners = new Set([...pids].map((pid) => fleet.invokerOfPid(pid)));
      expect(owners.size, `${color} ran on one invoker`).toBe(1);
      const ranOn = [...owners][0];
      expect(ranOn, `${color}'s containers belong to a real invoker`).toBeDefined();
      for (const result of results) {
        const record = await getRecord(result.activationId);
        expect(annotation(record, 'palette.color')).toBe(color);
        expect(annotation(record, 'palette.invoker'), `${color} ran where the policy placed it`).toBe(ranOn);
      }
      placed.set(color, ranOn!);
    }
    expect(new Set(placed.values()), 'colors spread over both real invokers').toEqual(new Set([0, 1]));
    // and they stay: a second round lands each color where it was
    for (const color of colors) {
      const again = await invokeColored(color, 'again');
      expect(fleet.invokerOfPid(again.pid)).toBe(placed.get(color));
    }
  });

  it('blocking and non-blocking invokes answer as OpenWhisk does', async () => {
    const blocking = await rest.call('POST', '/namespaces/_/actions/probe?blocking=true', { echo: 'b' });
    expect(blocking.status).toBe(200);
    const body = blocking.body as { activationId: string; response: { status: string; success: boolean } };
    expect(blocking.headers.get('x-openwhisk-activation-id')).toBe(body.activationId);
    expect(body.response).toMatchObject({ status: 'success', success: true, result: { echo: 'b' } });

    const nonBlocking = await wsk.run('action', 'invoke', 'probe', '-p', 'echo', 'nb');
    expect(nonBlocking.code, nonBlocking.stderr).toBe(0);
    const id = /with id ([0-9a-f]{32})/.exec(nonBlocking.stdout)?.[1];
    expect(id, nonBlocking.stdout).toBeDefined();
    const record = await getRecord(id!);
    expect(record.response).toMatchObject({ status: 'success', success: true, result: { echo: 'nb' } });
  });

  it('an application error is a 502 with the action result, as OpenWhisk answers', async () => {
    const reply = await rest.call('POST', '/namespaces/_/actions/apperror?blocking=true');
    expect(reply.status).toBe(502);
    expect((reply.body as { response: unknown }).response).toEqual({
      result: { error: 'not a valid order' },
      size: expect.any(Number) as number,
      status: 'application error',
      success: false,
    });
    const run = await wsk.run('action', 'invoke', 'apperror', '-r');
    expect(run.code, 'wsk exits non-zero on an application error').not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain('not a valid order');
  });

  it('a thrown error is an action developer error (502) with the proxy message', async () => {
    const reply = await rest.call('POST', '/namespaces/_/actions/thrower?blocking=true');
    expect(reply.status).toBe(502);
    const response = (reply.body as { response: { status: string; result: { error: string } } }).response;
    expect(response.status).toBe('action developer error');
    expect(response.result.error).toMatch(/boom/);
  });

  it('an action past its time limit is a developer error with OpenWhisk timeout message', async () => {
    const reply = await rest.call('POST', '/namespaces/_/actions/sleeper?blocking=true', { ms: 4000 });
    expect(reply.status).toBe(502);
    const body = reply.body as { response: { status: string; result: { error: string } } };
    expect(body.response.status).toBe('action developer error');
    expect(body.response.result.error).toBe('The action exceeded its time limits of 1000 milliseconds.');
    expect(annotation(body, 'timeout')).toBe(true);
  });

  it('wsk activation list/get/logs show the records the real invoker wrote, with the placement annotations', async () => {
    const result = await invokeColored('logs-color', 'with-logs');
    const record = await getRecord(result.activationId);
    expect(record).toMatchObject({ name: 'probe', namespace: 'guest', activationId: result.activationId });
    expect(annotation(record, 'kind')).toBe('nodejs:20');
    expect(annotation(record, 'palette.color')).toBe('logs-color');
    expect(annotation(record, 'palette.policy')).toEqual(expect.any(String));
    expect(annotation(record, 'palette.home')).toEqual(expect.any(Number));
    expect(annotation(record, 'palette.invoker')).toBe(fleet.invokerOfPid(result.pid));
    // R7: derived from OpenWhisk's own record (initTime only on a cold start), so it holds here too.
    expect(annotation(record, 'palette.warm')).toBe(annotation(record, 'initTime') === undefined);
    expect(annotation(record, 'palette.reason')).toMatch(/^(home|spilled|forced)$/);
    expect(annotation(record, 'waitTime')).toEqual(expect.any(Number));

    const logs = await wsk.run('activation', 'logs', result.activationId);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(new RegExp(`stdout: probe call ${result.count} in ${result.pid}`));

    const list = await wsk.run('activation', 'list', 'probe', '--limit', '50');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(result.activationId);

    for (const invoker of fleet.real.values())
      expect(invoker.standinErrors(), `invoker${invoker.id}`).toBe('');
  });
});
