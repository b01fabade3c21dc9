/**
 * Starting the real platform from a test file: the broker and CouchDB of the global setup, a topic
 * and database prefix of the file's own, and a tiny REST client speaking the OpenWhisk API.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startPlatform, type Platform, type PlatformOptions } from '../../src/platform/platform.js';
import type { Config } from '../../src/platform/config.js';

export function uniquePrefix(name: string): string {
  return `t${name
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 12)}${randomBytes(3).toString('hex')}_`;
}

export async function startTestPlatform(
  name: string,
  overrides: Partial<Config> = {},
  options: Omit<PlatformOptions, 'overrides'> = {},
): Promise<Platform> {
  const prefix = uniquePrefix(name);
  const platform = await startPlatform({
    ...options,
    overrides: { port: 0, kafkaTopicPrefix: prefix, dbPrefix: prefix, logLevel: 'silent', ...overrides },
  });
  await platform.waitForHealthyInvokers(platform.config.invokers, 90_000);
  return platform;
}

export interface RestReply {
  status: number;
  body: unknown;
  headers: Headers;
}

export function restClient(platform: Platform) {
  const auth = `Basic ${Buffer.from(platform.authKey).toString('base64')}`;
  const call = async (method: string, path: string, body?: unknown): Promise<RestReply> => {
    const response = await fetch(`${platform.apiHost}/api/v1${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      headers: response.headers,
    };
  };
  return {
    call,
    createAction: (name: string, file: string, extra: Record<string, unknown> = {}) =>
      call('PUT', `/namespaces/_/actions/${name}?overwrite=true`, {
        exec: {
          kind: 'nodejs:20',
          code: readFileSync(new URL(`../../actions/${file}`, import.meta.url), 'utf8'),
        },
        ...extra,
      }),
    invoke: (name: string, params: Record<string, unknown>, blocking = true) =>
      call('POST', `/namespaces/_/actions/${name}?blocking=${blocking}&result=true`, params),
  };
}
