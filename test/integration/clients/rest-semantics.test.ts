/**
 * OpenWhisk REST semantics no client command exercises, on the real platform: a blocking invoke
 * that outlives its `timeout` answers 202 with the id and the activation still completes and is
 * recorded; with no healthy invoker an invoke is 503 "No invokers available.".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform, type Platform } from '../../../src/platform/platform.js';
import { restClient, startTestPlatform, uniquePrefix } from '../../support/platform.js';

const sleepy = `function main(p) { return new Promise((r) => setTimeout(() => r({ slept: p.ms }), p.ms)); }`;

describe('blocking invoke past its timeout', () => {
  let platform: Platform;
  let rest: ReturnType<typeof restClient>;

  beforeAll(async () => {
    platform = await startTestPlatform('apitimeout', { invokers: 1 });
    rest = restClient(platform);
    const put = await rest.call('PUT', '/namespaces/_/actions/sleepy?overwrite=true', {
      exec: { kind: 'nodejs:20', code: sleepy },
    });
    expect(put.status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  it('answers 202 with the activation id, and the activation completes and is recorded', async () => {
    const reply = await rest.call('POST', '/namespaces/_/actions/sleepy?blocking=true&timeout=300', {
      ms: 1500,
    });
    expect(reply.status).toBe(202);
    const { activationId } = reply.body as { activationId: string };
    expect(activationId).toMatch(/^[0-9a-f]{32}$/);
    expect(reply.headers.get('x-openwhisk-activation-id')).toBe(activationId);

    const deadline = Date.now() + 30_000;
    let record: { status: number; body: unknown } = { status: 0, body: undefined };
    while (Date.now() < deadline) {
      record = await rest.call('GET', `/namespaces/_/activations/${activationId}`);
      if (record.status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({ activationId, response: { success: true, result: { slept: 1500 } } });
    expect((record.body as { duration: number }).duration).toBeGreaterThanOrEqual(1500);
  }, 60_000);

  it('still answers 200 when the result arrives within the timeout', async () => {
    const reply = await rest.call('POST', '/namespaces/_/actions/sleepy?blocking=true&timeout=20000', {
      ms: 10,
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ response: { result: { slept: 10 } } });
  }, 60_000);
});

describe('no healthy invoker', () => {
  let platform: Platform;

  beforeAll(async () => {
    const prefix = uniquePrefix('api503');
    platform = await startPlatform({
      noInvokers: true,
      overrides: { port: 0, kafkaTopicPrefix: prefix, dbPrefix: prefix, logLevel: 'silent' },
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  }, 60_000);

  it('answers 503 "No invokers available." with the transaction id, and /ping still answers', async () => {
    const rest = restClient(platform);
    expect(
      (await rest.call('PUT', '/namespaces/_/actions/hello', { exec: { kind: 'nodejs:20', code: sleepy } }))
        .status,
    ).toBe(200);
    const reply = await fetch(`${platform.apiHost}/api/v1/namespaces/_/actions/hello`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(platform.authKey).toString('base64')}`,
        'content-type': 'application/json',
        'x-request-id': 'tid-no-invokers',
      },
      body: '{}',
    });
    expect(reply.status).toBe(503);
    expect(await reply.json()).toEqual({ error: 'No invokers available.', code: 'tid-no-invokers' });
    expect((await fetch(`${platform.apiHost}/ping`)).status).toBe(200);
  });
});
