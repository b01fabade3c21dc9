import { describe, expect, it } from 'vitest';
import {
  constructActivation,
  fallbackActivation,
  initFailureResponse,
  messages,
  runResponse,
} from '../../../src/invoker/activation-result.js';
import type { CallResult } from '../../../src/invoker/container.js';
import { partitionArguments, providesApiKey } from '../../../src/invoker/action-environment.js';
import { activationMessage, whiskActivationSchema } from '../../../src/protocol/index.js';

const ok = (status: number, body: string, ms = 10): CallResult => ({
  startMs: 1000,
  endMs: 1000 + ms,
  outcome: { kind: 'ok', status, body },
});

describe('run responses (ActivationResponse.processRunResponseContent)', () => {
  it('maps container answers to status codes with the response size', () => {
    expect(runResponse(ok(200, '{"a":1}'), 1000)).toEqual({ statusCode: 0, result: { a: 1 }, size: 7 });
    expect(runResponse(ok(200, '[1]'), 1000)).toEqual({ statusCode: 0, result: [1], size: 3 });
    expect(runResponse(ok(200, '{"error":"x"}'), 1000)).toEqual({
      statusCode: 1,
      result: { error: 'x' },
      size: 13,
    });
    expect(runResponse(ok(502, '{"error":"An error has occurred: Error: boom"}'), 1000)).toMatchObject({
      statusCode: 2,
      result: { error: 'An error has occurred: Error: boom' },
    });
    expect(runResponse(ok(200, '"str"'), 1000)).toMatchObject({
      statusCode: 2,
      result: { error: 'The action did not produce a valid JSON or JSON Array response: "str"' },
    });
  });

  it('uses OpenWhisk texts for timeouts and crashes', () => {
    expect(runResponse({ startMs: 0, endMs: 500, outcome: { kind: 'timeout' } }, 500)).toEqual({
      statusCode: 2,
      result: { error: 'The action exceeded its time limits of 500 milliseconds.' },
    });
    expect(
      runResponse({ startMs: 0, endMs: 5, outcome: { kind: 'connection', error: 'socket hang up' } }, 500),
    ).toEqual({
      statusCode: 2,
      result: { error: 'The action did not produce a valid response and exited unexpectedly.' },
    });
    expect(initFailureResponse({ startMs: 0, endMs: 500, outcome: { kind: 'timeout' } }, 500).result).toEqual(
      {
        error: 'The action exceeded its time limits of 500 milliseconds during initialization.',
      },
    );
    expect(
      initFailureResponse({ startMs: 0, endMs: 5, outcome: { kind: 'connection', error: 'x' } }, 500).result,
    ).toEqual({
      error: messages.abnormalInitialization,
    });
  });
});

const msg = activationMessage({
  transid: ['tid', 900],
  action: { path: 'guest/pkg', name: 'hello', version: '0.0.2' },
  revision: '1-abc',
  user: {
    subject: 'guest',
    namespace: { name: 'guest', uuid: 'u' },
    authkey: { api_key: 'u:k' },
    rights: ['READ'],
    limits: {},
  },
  activationId: '0123456789abcdef0123456789abcdef',
  controllerId: '0',
  blocking: true,
});

describe('activation records', () => {
  it('carries OpenWhisk annotations, with initTime and waitTime from the init start on a cold start', () => {
    const activation = constructActivation(
      msg,
      {
        name: 'hello',
        namespace: 'guest/pkg',
        version: '0.0.2',
        kind: 'nodejs:20',
        limits: { timeout: 1000, memory: 256, logs: 10, concurrency: 1 },
      },
      { startMs: 1000, endMs: 1050, init: { startMs: 1000, durationMs: 20 }, timeout: false },
      { statusCode: 0, result: {}, size: 2 },
    );
    expect(whiskActivationSchema.parse(activation)).toBeTruthy();
    expect(activation.annotations.map((a) => a.key)).toEqual([
      'limits',
      'path',
      'kind',
      'timeout',
      'initTime',
      'waitTime',
    ]);
    expect(activation.annotations.find((a) => a.key === 'path')?.value).toBe('guest/pkg/hello');
    expect(activation.annotations.find((a) => a.key === 'waitTime')?.value).toBe(100);
    expect(activation.duration).toBe(50);
    expect(activation.namespace).toBe('guest');
  });

  it('builds the fallback activation with kind unknown and zero duration', () => {
    const fallback = fallbackActivation(
      msg,
      { statusCode: 3, result: { error: messages.actionFetchErrorWhileInvoking } },
      5,
    );
    expect(fallback).toMatchObject({ start: 5, end: 5, duration: 0, version: '0.0.2', name: 'hello' });
    expect(fallback.annotations).toEqual([
      { key: 'path', value: 'guest/pkg/hello' },
      { key: 'kind', value: 'unknown' },
    ]);
  });
});

describe('arguments', () => {
  it('sends init parameters to the environment and the rest as arguments', () => {
    expect(partitionArguments({ a: 1, secret: 's' }, ['secret'])).toEqual({
      env: { secret: 's' },
      params: { a: 1 },
    });
    expect(partitionArguments([1, 2], ['x'])).toEqual({ env: {}, params: [1, 2] });
    expect(partitionArguments(undefined, [])).toEqual({ env: {}, params: {} });
  });

  it('provides the API key unless the action says provide-api-key false', () => {
    expect(providesApiKey({ annotations: [] })).toBe(true);
    expect(providesApiKey({ annotations: [{ key: 'provide-api-key', value: false }] })).toBe(false);
    expect(providesApiKey({ annotations: [{ key: 'provide-api-key', value: true }] })).toBe(true);
  });
});
