import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { otherAuth, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(async () => {
  await api.close();
});

describe('authentication and namespaces', () => {
  it('answers 401 with the Basic challenge and the error body when no credentials are sent', async () => {
    const res = await api.call('GET', '/api/v1/namespaces', { auth: null });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="OpenWhisk secure realm"');
    const body = (await res.json()) as { error: string; code: string };
    expect(body.error).toMatch(/authentication/);
    expect(typeof body.code).toBe('string');
    expect(body.code.length).toBeGreaterThan(0);
  });

  it('answers 401 for an unknown key and for a header that is not Basic', async () => {
    const wrong = await api.call('GET', '/api/v1/namespaces', {
      auth: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:nope',
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'The supplied authentication is invalid.' });
    const bearer = await api.call('GET', '/api/v1/namespaces', {
      auth: null,
      headers: { authorization: 'Bearer x' },
    });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('www-authenticate')).toContain('Basic');
  });

  it('lists the caller namespace', async () => {
    const res = await api.call('GET', '/api/v1/namespaces');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['guest']);
    const other = await api.call('GET', '/api/v1/namespaces', { auth: otherAuth });
    expect(await other.json()).toEqual(['other']);
  });

  it('treats _ and the own namespace name alike and refuses another namespace with 403', async () => {
    expect((await api.call('GET', '/api/v1/namespaces/_/actions')).status).toBe(200);
    expect((await api.call('GET', '/api/v1/namespaces/guest/actions')).status).toBe(200);
    const res = await api.call('GET', '/api/v1/namespaces/other/actions');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      error: 'The supplied authentication is not authorized to access this resource.',
    });
  });

  it('caches identities instead of asking the subjects store on every request', async () => {
    for (let i = 0; i < 5; i++) expect((await api.call('GET', '/api/v1/namespaces')).status).toBe(200);
    expect(api.subjects.lookups).toBe(1);
  });

  it('does not cache a failed lookup, so a subject added later can authenticate at once', async () => {
    const auth = 'bbbbbbbb-71f6-4ed5-8c54-816aa4f8c502:newkey';
    expect((await api.call('GET', '/api/v1/namespaces', { auth })).status).toBe(401);
    api.subjects.add('newbie', auth);
    expect(await (await api.call('GET', '/api/v1/namespaces', { auth })).json()).toEqual(['newbie']);
  });

  it('serves GET /api/v1 without authentication', async () => {
    const res = await api.call('GET', '/api/v1', { auth: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      description: 'OpenWhisk API',
      api_version: '1.0.0',
      api_version_path: 'v1',
    });
  });
});

describe('transaction ids and error replies', () => {
  it('uses X-Request-ID as the error code', async () => {
    const res = await api.call('GET', '/api/v1/namespaces/_/actions/missing', {
      headers: { 'x-request-id': 'my-tid-1' },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'The requested resource does not exist.', code: 'my-tid-1' });
  });

  it('ignores an X-Request-ID that starts with sid_ (reserved for system transactions)', async () => {
    const res = await api.call('GET', '/api/v1/namespaces/_/actions/missing', {
      headers: { 'x-request-id': 'sid_health' },
    });
    const body = (await res.json()) as { code: string };
    expect(body.code).not.toBe('sid_health');
    expect(body.code).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('answers unknown routes with 404 in the OpenWhisk shape', async () => {
    for (const path of ['/nothing', '/api/v2', '/api/v1/namespaces/_/triggers/t']) {
      const res = await api.call('GET', path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'The requested resource does not exist.' });
    }
  });

  it('answers a method a route does not support with 405 and Allow', async () => {
    const res = await api.call('POST', '/api/v1/namespaces/_/activations', { body: {} });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(await res.json()).toHaveProperty('code');
  });
});
