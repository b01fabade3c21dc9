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

  it('matches POSTs to an action in a package or binding', () => {
    expect(matchInvoke('POST', '/api/v1/namespaces/whisk.system/actions/utils/echo?result=true')).toEqual({
      namespace: 'whisk.system',
      pkg: 'utils',
      name: 'echo',
    });
    expect(matchInvoke('POST', '/api/v1/namespaces/_/actions/my%20pkg/a%2Fb')).toEqual({
      namespace: '_',
      pkg: 'my pkg',
      name: 'a/b',
    });
  });

  it('leaves everything else to express', () => {
    for (const [method, url] of [
      ['GET', '/api/v1/namespaces/_/actions/hello'],
      ['GET', '/api/v1/namespaces/_/actions/pkg/hello'],
      ['POST', '/api/v1/namespaces/_/actions/pkg/'],
      ['POST', '/api/v1/namespaces/_/actions/pkg/hello/'],
      ['POST', '/api/v1/namespaces/_/actions/pkg//hello'],
      ['POST', '/api/v1/namespaces/_/actions/a/b/c'],
      ['POST', '/api/v1/namespaces/_/actions/pkg/%E0%A4%A'],
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
