import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ColorError } from '../../../src/balancer/color.js';
import { NoInvokersError } from '../../../src/controller/types.js';
import type { WhiskActivation } from '../../../src/protocol/index.js';
import { guestAuth, startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
const id = 'aaaabbbbccccddddeeeeffff00001111';

const paths = [
  { path: 'fast path', expressOnly: false },
  { path: 'express route', expressOnly: true },
];

describe.each(paths)('invoke through the $path', ({ expressOnly }) => {
  beforeEach(async () => {
    api = await startTestApi({}, expressOnly);
    await api.call('PUT', '/api/v1/namespaces/_/actions/hello', {
      body: {
        exec: { kind: 'nodejs:20', code: 'function main(p) { return p; }' },
        parameters: [{ key: 'name', value: 'World' }],
      },
    });
  });
  afterEach(async () => {
    await api.close();
  });

  function activation(statusCode: 0 | 1 | 2 | 3, result: unknown): WhiskActivation {
    return {
      namespace: 'guest',
      name: 'hello',
      subject: 'guest',
      activationId: id,
      start: 1700000000000,
      end: 1700000000050,
      response: { statusCode, result, size: 17 },
      logs: [],
      version: '0.0.1',
      publish: false,
      annotations: [{ key: 'path', value: 'guest/hello' }],
    };
  }

  function completeWith(statusCode: 0 | 1 | 2 | 3, result: unknown): void {
    api.core.respond = async () => ({
      kind: 'completed',
      activationId: id,
      activation: activation(statusCode, result),
    });
  }

  const invokePath = '/api/v1/namespaces/_/actions/hello';

  describe('invoke', () => {
    it('non-blocking: 202 with the id and the header; the core gets the request as OpenWhisk would build it', async () => {
      const res = await api.call('POST', `${invokePath}?blocking=false&result=false`, {
        body: { name: 'Bob', n: 5 },
        headers: { 'x-request-id': 'tid-7' },
      });
      expect(res.status).toBe(202);
      expect(res.headers.get('x-openwhisk-activation-id')).toBe('0123456789abcdef0123456789abcdef');
      expect(await res.json()).toEqual({ activationId: '0123456789abcdef0123456789abcdef' });
      const request = api.core.requests[0]!;
      expect(request.blocking).toBe(false);
      expect(request.waitMs).toBe(60000);
      expect(request.payload).toEqual({ name: 'Bob', n: 5 });
      expect(request.transid[0]).toBe('tid-7');
      expect(request.user.namespace.name).toBe('guest');
      expect(request.action).toMatchObject({
        _id: 'guest/hello',
        _rev: expect.any(String),
        updated: expect.any(Number),
      });
    });

    it('authenticates: 401 with the challenge, 403 for another namespace', async () => {
      const anonymous = await api.call('POST', invokePath, { body: {}, auth: null });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="OpenWhisk secure realm"');
      expect(await anonymous.json()).toHaveProperty('code');
      const wrong = await api.call('POST', invokePath, { body: {}, auth: 'x:y' });
      expect(wrong.status).toBe(401);
      const foreign = await api.call('POST', '/api/v1/namespaces/other/actions/hello', { body: {} });
      expect(foreign.status).toBe(403);
      expect(api.core.requests).toHaveLength(0);
    });

    it('counts replies in the metrics under the invoke route', async () => {
      await api.call('POST', invokePath, { body: {} });
      const text = await (await api.call('GET', '/metrics', { auth: null })).text();
      expect(text).toMatch(
        /palette_api_requests_total\{method="POST",route="\/api\/v1\/namespaces\/:ns\/actions\/:name",status="202"\} 1/,
      );
    });

    it('passes an empty body as no payload and accepts an array payload', async () => {
      await api.call('POST', invokePath);
      expect(api.core.requests[0]!.payload).toBeUndefined();
      await api.call('POST', invokePath, { body: [1, 2] });
      expect(api.core.requests[1]!.payload).toEqual([1, 2]);
    });

    it('refuses a JSON payload that is neither object nor array, and malformed JSON, with 400', async () => {
      expect((await api.call('POST', invokePath, { body: 'text' })).status).toBe(400);
      const bad = await api.call('POST', invokePath, { raw: '{"a":' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toHaveProperty('code');
      expect(api.core.requests).toHaveLength(0);
    });

    it('blocking success: 200 with the extended activation', async () => {
      completeWith(0, { greeting: 'hi' });
      const res = await api.call('POST', `${invokePath}?blocking=true&result=false`, { body: {} });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-openwhisk-activation-id')).toBe(id);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        activationId: id,
        duration: 50,
        response: { status: 'success', success: true, result: { greeting: 'hi' }, size: 17 },
      });
      expect(body.response).not.toHaveProperty('statusCode');
      expect(api.core.requests[0]!.blocking).toBe(true);
    });

    it('result=true returns only the result', async () => {
      completeWith(0, { greeting: 'hi' });
      const res = await api.call('POST', `${invokePath}?blocking=true&result=true`, { body: {} });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ greeting: 'hi' });
      expect(res.headers.get('x-openwhisk-activation-id')).toBe(id);
    });

    it('maps failures to 502 (application, developer error) and 500 (whisk error), in both forms', async () => {
      for (const [code, status, name] of [
        [1, 502, 'application error'],
        [2, 502, 'action developer error'],
        [3, 500, 'whisk internal error'],
      ] as const) {
        completeWith(code, { error: 'boom' });
        const full = await api.call('POST', `${invokePath}?blocking=true`, { body: {} });
        expect(full.status).toBe(status);
        expect(await full.json()).toMatchObject({
          response: { status: name, success: false, result: { error: 'boom' } },
        });
        const result = await api.call('POST', `${invokePath}?blocking=true&result=true`, { body: {} });
        expect(result.status).toBe(status);
        expect(await result.json()).toEqual({ error: 'boom' });
        expect(result.headers.get('x-openwhisk-activation-id')).toBe(id);
      }
    });

    it('blocking call that outlives its wait: 202 with the id', async () => {
      api.core.respond = async () => ({ kind: 'accepted', activationId: id });
      const res = await api.call('POST', `${invokePath}?blocking=true&timeout=5`, { body: {} });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ activationId: id });
      expect(res.headers.get('x-openwhisk-activation-id')).toBe(id);
      expect(api.core.requests[0]!.waitMs).toBe(5);
    });

    it('checks timeout: 1..60000 ms', async () => {
      for (const timeout of ['0', '60001', 'abc', '-5', '1.5']) {
        const res = await api.call('POST', `${invokePath}?blocking=true&timeout=${timeout}`, { body: {} });
        expect(res.status, timeout).toBe(400);
        expect(((await res.json()) as { error: string }).error).toContain(
          'Timeout must be number of milliseconds up to 60000.',
        );
      }
      expect((await api.call('POST', `${invokePath}?blocking=true&timeout=60000`, { body: {} })).status).toBe(
        202,
      );
      expect(api.core.requests.map((r) => r.waitMs)).toEqual([60000]);
    });

    it('rejects an invalid blocking flag with 400', async () => {
      expect((await api.call('POST', `${invokePath}?blocking=maybe`, { body: {} })).status).toBe(400);
    });

    it('answers 404 without an activation header for a missing action', async () => {
      const res = await api.call('POST', '/api/v1/namespaces/_/actions/missing', { body: {} });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-openwhisk-activation-id')).toBeNull();
      expect(api.core.requests).toHaveLength(0);
    });

    it('refuses payloads over 1 MB with 413 and accepts one just under', async () => {
      const over = JSON.stringify({ blob: 'x'.repeat(1024 * 1024) });
      const res = await api.call('POST', invokePath, { raw: over });
      expect(res.status).toBe(413);
      expect(await res.json()).toHaveProperty('code');
      const under = JSON.stringify({ blob: 'x'.repeat(1024 * 1024 - 20) });
      expect((await api.call('POST', invokePath, { raw: under })).status).toBe(202);
    });

    it('reads a chunked body (no Content-Length): 413 past 1 MB, and a small one parses', async () => {
      const chunked = async (chunks: string[]) => {
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
            controller.close();
          },
        });
        return fetch(api.url + invokePath, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(guestAuth).toString('base64')}`,
            'content-type': 'application/json',
          },
          body: stream,
          duplex: 'half',
        } as RequestInit);
      };
      const big = await chunked(['{"blob":"', 'x'.repeat(600 * 1024), 'x'.repeat(600 * 1024), '"}']);
      expect(big.status).toBe(413);
      const small = await chunked(['{"__palette_color":', '"c-1","n":1}']);
      expect(small.status).toBe(202);
      expect(api.core.requests.at(-1)?.payload).toEqual({ __palette_color: 'c-1', n: 1 });
    });

    it('turns a ColorError into a 400 that names __palette_color', async () => {
      api.core.respond = async () => {
        throw new ColorError(
          '__palette_color must be a string of 1 to 256 characters, got a number',
          'parameter',
        );
      };
      const res = await api.call('POST', invokePath, { body: { __palette_color: 42 } });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; code: string };
      expect(body.error).toContain('__palette_color');
      expect(body.error).toContain('1 to 256');
    });

    it('answers 503 "No invokers available." when the core has no healthy invoker', async () => {
      api.core.respond = async () => {
        throw new NoInvokersError();
      };
      const res = await api.call('POST', invokePath, { body: {}, headers: { 'x-request-id': 'tid-503' } });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'No invokers available.', code: 'tid-503' });
      expect(res.headers.get('x-openwhisk-activation-id')).toBeNull();
    });

    it('answers 500 in the error shape when the core fails otherwise', async () => {
      api.core.respond = async () => {
        throw new Error('kafka is on fire');
      };
      const res = await api.call('POST', invokePath, { body: {} });
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: string };
      expect(body.error).not.toContain('kafka');
    });

    it('reads the action once for many invokes, and sees a PUT at once', async () => {
      const before = api.actions.gets;
      for (let i = 0; i < 5; i++) await api.call('POST', invokePath, { body: {} });
      expect(api.actions.gets - before).toBe(1);
      await api.call('PUT', `${invokePath}?overwrite=true`, { body: { parameters: [] } });
      await api.call('POST', invokePath, { body: {} });
      expect(api.core.requests.at(-1)!.action.version).toBe('0.0.2');
      await api.call('DELETE', invokePath);
      expect((await api.call('POST', invokePath, { body: {} })).status).toBe(404);
    });

    it('refuses payloads that override parameters of a final action', async () => {
      await api.call('PUT', '/api/v1/namespaces/_/actions/fixed', {
        body: {
          exec: { kind: 'nodejs:20', code: 'x=1' },
          parameters: [{ key: 'name', value: 'set' }],
          annotations: [{ key: 'final', value: true }],
        },
      });
      const res = await api.call('POST', '/api/v1/namespaces/_/actions/fixed', {
        body: { name: 'override' },
      });
      expect(res.status).toBe(400);
      expect(
        (await api.call('POST', '/api/v1/namespaces/_/actions/fixed', { body: { other: 1 } })).status,
      ).toBe(202);
    });
  });
});
