/**
 * A blocking-invoke client in its own process, as `wsk` or an application would be: sequential
 * `POST ...?blocking=true` over one keep-alive connection (node:http, the leanest client Node has).
 * Run by bench/api.ts; in the controller's process the client would wait on the controller's event
 * loop (the kafkajs work that follows each reply) and charge that to the platform.
 *
 * Input (environment): BLOCKING_URL, BLOCKING_AUTH (the Authorization header), BLOCKING_BODY,
 * BLOCKING_SAMPLES, BLOCKING_WARMUP; BLOCKING_GET=1 sends bodiless GETs instead (the HTTP floor:
 * `/ping`). Output (stdout): one JSON array of [elapsedMs, durationMs] (duration 0 for a GET).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const url = new URL(process.env.BLOCKING_URL ?? '');
const auth = process.env.BLOCKING_AUTH ?? '';
const body = process.env.BLOCKING_BODY ?? '{}';
const samples = Number(process.env.BLOCKING_SAMPLES ?? 500);
const warmup = Number(process.env.BLOCKING_WARMUP ?? 20);
const get = process.env.BLOCKING_GET === '1';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function invoke(): Promise<{ status: number; duration: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: get ? 'GET' : 'POST',
        agent,
        headers: get
          ? {}
          : {
              authorization: auth,
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const activation = (get ? {} : JSON.parse(text)) as { duration?: number };
          resolve({ status: res.statusCode ?? 0, duration: activation.duration ?? 0 });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(get ? undefined : body);
  });
}

async function main(): Promise<void> {
  const out: [number, number][] = [];
  for (let i = 0; i < samples + warmup; i++) {
    const t0 = performance.now();
    const { status, duration } = await invoke();
    const elapsed = performance.now() - t0;
    if (status !== 200) throw new Error(`blocking invoke: ${status}`);
    if (i >= warmup) out.push([elapsed, duration]);
  }
  agent.destroy();
  process.stdout.write(JSON.stringify(out));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
