import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  actionDocumentSchema,
  parseRuntimesManifest,
  useRuntimesManifest,
} from '../../../src/protocol/index.js';
import { startTestApi, type TestApi } from './fakes.js';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(async () => {
  useRuntimesManifest(undefined);
  await api.close();
});

const put = (name: string, exec: Record<string, unknown>) =>
  api.call('PUT', `/api/v1/namespaces/_/actions/${name}`, { body: { exec } });

async function error(res: globalThis.Response): Promise<string> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: string; code: unknown };
  expect(body.code).toBeDefined();
  return body.error;
}

describe('runtime kinds from the manifest', () => {
  it('accepts every kind the manifest lists, resolves :default and stores what the invoker reads', async () => {
    for (const [kind, stored] of [
      ['python:3.10', 'python:3.10'],
      ['python:default', 'python:3.10'],
      [' Go:1.20 ', 'go:1.20'],
      ['swift:5.7', 'swift:5.7'],
    ]) {
      const res = await put('a', { kind, code: 'def main(args): return args' });
      expect(res.status, kind).toBe(200);
      const body = (await res.json()) as { exec: { kind: string }; annotations: unknown[] };
      expect(body.exec.kind).toBe(stored);
      expect(body.annotations).toContainEqual({ key: 'exec', value: stored });
      expect(actionDocumentSchema.safeParse(api.actions.docs.get('guest/a')).success).toBe(true);
      await api.call('DELETE', '/api/v1/namespaces/_/actions/a');
    }
  });

  it('needs main where the manifest says requireMain, and code for every manifest kind', async () => {
    expect(await error(await put('j', { kind: 'java:8', code: 'UEsDBA==' }))).toBe(
      "The request content was malformed:\n'main' must be a string defined in 'exec' for 'java:8' actions",
    );
    expect((await put('j', { kind: 'java:8', code: 'UEsDBA==', main: 'Hello' })).status).toBe(200);
    expect(await error(await put('p', { kind: 'python:3.11' }))).toBe(
      "The request content was malformed:\n'code' must be a string or attachment object defined in 'exec' for 'python:3.11' actions",
    );
  });

  it('refuses a kind the manifest does not list with OpenWhisk’s message', async () => {
    expect(await error(await put('x', { kind: 'python:3', code: 'x' }))).toMatch(
      /^The request content was malformed:\nThe specified runtime 'python:3' is not supported by this platform\. Valid values are: '.*'\.$/,
    );
    // ... also on update, leaving the stored action alone.
    expect((await put('u', { kind: 'nodejs:20', code: 'x' })).status).toBe(200);
    const update = await api.call('PUT', '/api/v1/namespaces/_/actions/u?overwrite=true', {
      body: { exec: { kind: 'cobol:1', code: 'x' } },
    });
    expect(await error(update)).toMatch(/'cobol:1' is not supported/);
    expect(api.actions.docs.get('guest/u')!.exec.kind).toBe('nodejs:20');
  });

  it('follows the installed manifest (RUNTIMES_MANIFEST)', async () => {
    useRuntimesManifest(
      parseRuntimesManifest({
        runtimes: { python: [{ kind: 'python:3', default: true, image: { name: 'py' } }] },
      }),
    );
    expect((await put('p', { kind: 'python:3', code: 'x' })).status).toBe(200);
    expect(await error(await put('n', { kind: 'nodejs:20', code: 'x' }))).toBe(
      "The request content was malformed:\nThe specified runtime 'nodejs:20' is not supported by this platform. Valid values are: 'python:3', 'sequence', 'blackbox'.",
    );
  });
});

describe('blackbox actions', () => {
  it('are stored with their resolved image and optional code', async () => {
    const res = await put('bb', { kind: 'blackbox', image: 'openwhisk/example' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { exec: unknown }).exec).toEqual({
      kind: 'blackbox',
      image: 'openwhisk/example',
      binary: false,
    });
    const withCode = await put('bc', {
      kind: 'blackbox',
      image: 'me/skeleton:1',
      code: '#!/bin/bash\necho {}',
    });
    expect(((await withCode.json()) as { exec: unknown }).exec).toEqual({
      kind: 'blackbox',
      image: 'me/skeleton:1',
      binary: false,
      code: '#!/bin/bash\necho {}',
    });
    for (const id of ['guest/bb', 'guest/bc']) {
      expect(actionDocumentSchema.safeParse(api.actions.docs.get(id)).success).toBe(true);
    }
  });

  it('need a parseable image', async () => {
    expect(await error(await put('b', { kind: 'blackbox' }))).toBe(
      "The request content was malformed:\n'image' must be a string defined in 'exec' for 'blackbox' actions",
    );
    expect(await error(await put('b', { kind: 'blackbox', image: 'NOT A/valid:image!' }))).toBe(
      'The request content was malformed:\ncould not parse image name',
    );
    expect(api.actions.docs.has('guest/b')).toBe(false);
  });
});
