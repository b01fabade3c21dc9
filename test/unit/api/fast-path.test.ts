import { describe, expect, it } from 'vitest';
import { matchInvoke } from '../../../src/api/fast-path.js';

describe('matchInvoke', () => {
  it('matches POSTs to an unpackaged action, decoding the path', () => {
    expect(matchInvoke('POST', '/api/v1/namespaces/_/actions/hello?blocking=true')).toEqual({
      namespace: '_',
      name: 'hello',
    });
    expect(matchInvoke('POST', '/api/v1/namespaces/guest/actions/my%20action')).toEqual({
      namespace: 'guest',
      name: 'my action',
    });
  });

  it('leaves everything else to express', () => {
    for (const [method, url] of [
      ['GET', '/api/v1/namespaces/_/actions/hello'],
      ['POST', '/api/v1/namespaces/_/actions/pkg/hello'],
      ['POST', '/api/v1/namespaces/_/actions/'],
      ['POST', '/api/v1/namespaces/_/actions'],
      ['POST', '/api/v1/namespaces//actions/x'],
      ['POST', '/api/v1/namespaces/_/triggers/x'],
      ['POST', '/api/v1/namespaces/_/actions/%E0%A4%A'],
      ['POST', '/ping'],
    ] as const) {
      expect(matchInvoke(method, url), `${method} ${url}`).toBeUndefined();
    }
  });
});
