/**
 * Creates (or replaces) the `hello` action (actions/hello.js) in the caller's namespace through the
 * REST API, as the latency and soak benches invoke it; throws with the reply when it is refused.
 * A name `pkg/hello` creates the package `pkg` first.
 */
import { readFileSync } from 'node:fs';

export async function putHelloAction(apiHost: string, authKey: string, name = 'hello'): Promise<void> {
  const headers = {
    authorization: `Basic ${Buffer.from(authKey).toString('base64')}`,
    'content-type': 'application/json',
  };
  const slash = name.indexOf('/');
  if (slash > 0) {
    const pkg = await fetch(
      `${apiHost}/api/v1/namespaces/_/packages/${name.slice(0, slash)}?overwrite=true`,
      {
        method: 'PUT',
        headers,
        body: '{}',
      },
    );
    if (pkg.status !== 200) throw new Error(`create package: ${pkg.status} ${await pkg.text()}`);
  }
  const put = await fetch(`${apiHost}/api/v1/namespaces/_/actions/${name}?overwrite=true`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({
      exec: {
        kind: 'nodejs:20',
        code: readFileSync(new URL('../../actions/hello.js', import.meta.url), 'utf8'),
      },
    }),
  });
  if (put.status !== 200) throw new Error(`create action: ${put.status} ${await put.text()}`);
}
