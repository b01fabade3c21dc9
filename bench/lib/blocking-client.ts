/**
 * A blocking-invoke client in its own process, as `wsk` or an application would be: sequential
 * `POST ...?blocking=true` over one keep-alive connection (node:http, the leanest client Node has).
 * Run by bench/api.ts; in the controller's process the client would wait on the controller's event
 * loop (the kafkajs work that follows each reply) and charge that to the platform.
 *
 * Input (environment): BLOCKING_URL, BLOCKING_AUTH (the Authorization header), BLOCKING_BODY,
 * BLOCKING_SAMPLES, BLOCKING_WARMUP; BLOCKING_GET=1 sends bodiless GETs instead (the HTTP floor:
 * `/ping`). BLOCKING_CONCURRENCY (default 1) runs that many such loops at once, each on its own
 * keep-alive connection and, when the body has `__palette_color`, with a color of its own (suffix
 * `-<loop>`); BLOCKING_SAMPLES and BLOCKING_WARMUP are then per loop.
 * Output (stdout): one JSON array of [elapsedMs, durationMs, waitTimeMs, initTimeMs] (0 for a GET
 * or an annotation the activation lacks).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const url = new URL(process.env.BLOCKING_URL ?? '');
const auth = process.env.BLOCKING_AUTH ?? '';
const body = process.env.BLOCKING_BODY ?? '{}';
const samples = Number(process.env.BLOCKING_SAMPLES ?? 500);
const warmup = Number(process.env.BLOCKING_WARMUP ?? 20);
const get = process.env.BLOCKING_GET === '1';
const concurrency = Number(process.env.BLOCKING_CONCURRENCY ?? 1);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

interface Reply {
  status: number;
  duration: number;
  waitTime: number;
  initTime: number;
}

function bodyFor(loop: number): string {
  if (get || concurrency === 1) return body;
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (typeof parsed.__palette_color === 'string') parsed.__palette_color += `-${loop}`;
  return JSON.stringify(parsed);
}

function invoke(body: string): Promise<Reply> {
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
          const activation = (get ? {} : JSON.parse(text)) as {
            duration?: number;
            annotations?: { key: string; value: unknown }[];
          };
          const note = (key: string) => {
            const value = activation.annotations?.find((a) => a.key === key)?.value;
            return typeof value === 'number' ? value : 0;
          };
          resolve({
            status: res.statusCode ?? 0,
            duration: activation.duration ?? 0,
            waitTime: note('waitTime'),
            initTime: note('initTime'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(get ? undefined : body);
  });
}

async function loop(index: number, out: [number, number, number, number][]): Promise<void> {
  const payload = bodyFor(index);
  for (let i = 0; i < samples + warmup; i++) {
    const t0 = performance.now();
    const { status, duration, waitTime, initTime } = await invoke(payload);
    const elapsed = performance.now() - t0;
    if (status !== 200) throw new Error(`blocking invoke: ${status}`);
    if (i >= warmup) out.push([elapsed, duration, waitTime, initTime]);
  }
}

async function main(): Promise<void> {
  const out: [number, number, number, number][] = [];
  await Promise.all(Array.from({ length: concurrency }, (_, i) => loop(i, out)));
  agent.destroy();
  process.stdout.write(JSON.stringify(out));
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
