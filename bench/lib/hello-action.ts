/**
 * Creates (or replaces) the `hello` action (actions/hello.js) in the caller's namespace through the
 * REST API, as the latency and soak benches invoke it; throws with the reply when it is refused.
 */
import { readFileSync } from 'node:fs';

export async function putHelloAction(apiHost: string, authKey: string): Promise<void> {
  const put = await fetch(`${apiHost}/api/v1/namespaces/_/actions/hello?overwrite=true`, {
    method: 'PUT',
    headers: {
      authorization: `Basic ${Buffer.from(authKey).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      exec: {
        kind: 'nodejs:20',
        code: readFileSync(new URL('../../actions/hello.js', import.meta.url), 'utf8'),
      },
    }),
  });
  if (put.status !== 200) throw new Error(`create action: ${put.status} ${await put.text()}`);
}
