/**
 * Fault: the controller process is SIGKILLed and started again (issue 15 item 4, R16). The new
 * incarnation consumes in groups of its own, so it never waits for the dead one's session to
 * expire: it is ready, sees its invokers healthy and places work again. Outcomes are asserted; the
 * times are printed for the README's Faults table.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wellKnownAuth } from '../../src/store/index.js';
import { uniquePrefix } from '../support/platform.js';
import {
  freePort,
  sharedEnv,
  startController,
  startInvokerProcess,
  waitUntil,
  type PaletteProcess,
} from '../support/processes.js';

const auth = `Basic ${Buffer.from(wellKnownAuth.guest).toString('base64')}`;
const hello = readFileSync(new URL('../../actions/hello.js', import.meta.url), 'utf8');

describe('controller SIGKILL and restart', () => {
  const env = sharedEnv(uniquePrefix('restart'));
  const processes: PaletteProcess[] = [];
  let base = '';
  let controllerEnv: Record<string, string> = {};

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const ready = async () => (await fetch(`${base}/ready`)).status === 200;
  const healthyInvokers = async () => Number(await (await fetch(`${base}/invokers/healthy/count`)).json());
  const invokeOk = async (color: string) =>
    (
      await api('POST', `/api/v1/namespaces/_/actions/hello?blocking=true&result=true`, {
        __palette_color: color,
      })
    ).status === 200;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    controllerEnv = { ...env, PALETTE_PORT: String(port), PALETTE_CONTROLLER_ID: 'palette0' };
    processes.push(startController(controllerEnv));
    for (const id of [0, 1]) processes.push(startInvokerProcess(id, { ...env, PALETTE_PORT: String(port) }));
    await waitUntil(ready, 90_000, 'first controller ready');
    await waitUntil(async () => (await healthyInvokers()) === 2, 90_000, 'two healthy invokers');
    const created = await api('PUT', '/api/v1/namespaces/_/actions/hello?overwrite=true', {
      exec: { kind: 'nodejs:20', code: hello },
    });
    expect(created.status).toBe(200);
    await waitUntil(() => invokeOk('before'), 30_000, 'first invoke');
  }, 180_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill()));
  });

  it('a restarted controller is ready, sees its invokers and places work without waiting out the dead one', async () => {
    await processes[0]!.kill('SIGKILL');
    const began = Date.now();
    processes.push(startController(controllerEnv));
    const readyMs = await waitUntil(ready, 60_000, 'restarted controller ready');
    const healthyMs = await waitUntil(
      async () => (await healthyInvokers()) === 2,
      60_000,
      'invokers healthy again',
    );
    const invokedMs = await waitUntil(() => invokeOk('after'), 60_000, 'an invoke after the restart');
    console.log(
      `[faults] controller SIGKILL -> restart: ready ${(readyMs / 1000).toFixed(1)} s, ` +
        `invokers healthy ${((Date.now() - began - invokedMs) / 1000).toFixed(1)} s (${(healthyMs / 1000).toFixed(1)} s after ready), ` +
        `first invoke ${((Date.now() - began) / 1000).toFixed(1)} s after the new process started`,
    );
    expect(await invokeOk('after-2')).toBe(true);
  }, 200_000);
});
