import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(async () => {
  await api.close();
});

describe('operational routes', () => {
  it('answers /ping without authentication, whatever the core state', async () => {
    api.core.ready = false;
    const res = await api.call('GET', '/ping', { auth: null });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('pong');
  });

  it('keeps idle client connections 65 s, as OpenWhisk keeps them 60 s (no 5 s reuse race)', async () => {
    const res = await api.call('GET', '/ping', { auth: null });
    await res.text();
    expect(res.headers.get('keep-alive')).toBe('timeout=65');
  });

  it('reports /ready as 503 until the core is ready', async () => {
    api.core.ready = false;
    const notReady = await api.call('GET', '/ready', { auth: null });
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toHaveProperty('code');
    api.core.ready = true;
    expect((await api.call('GET', '/ready', { auth: null })).status).toBe(200);
  });

  it('exposes the prom-client registry on /metrics, including API replies by route and status', async () => {
    await api.call('GET', '/api/v1/namespaces');
    await api.call('GET', '/api/v1/namespaces/_/actions/nope');
    const res = await api.call('GET', '/metrics', { auth: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(
      /palette_api_requests_total\{method="GET",route="\/api\/v1\/namespaces",status="200"\} 1/,
    );
    expect(text).toMatch(
      /palette_api_requests_total\{method="GET",route="\/api\/v1\/namespaces\/:ns\/actions\/:name",status="404"\} 1/,
    );
  });

  it('shows invoker health in OpenWhisk admin form', async () => {
    api.core.health = [
      { id: 0, name: 'invoker0', status: 'healthy', userMemoryMB: 2048 },
      { id: 1, name: 'host-b', status: 'unhealthy', userMemoryMB: 2048 },
      { id: 2, name: 'invoker2', status: 'unresponsive', userMemoryMB: 2048 },
      { id: 3, name: 'invoker3', status: 'offline', userMemoryMB: 2048 },
    ];
    const res = await api.call('GET', '/invokers', { auth: null });
    expect(await res.json()).toEqual({
      invoker0: 'up',
      'invoker1/host-b': 'unhealthy',
      invoker2: 'unresponsive',
      invoker3: 'down',
    });
    expect(await (await api.call('GET', '/invokers/healthy/count', { auth: null })).json()).toBe(1);
  });
});
