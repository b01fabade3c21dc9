/**
 * A blocking-invoke client in its own process, as `wsk` or an application would be: sequential
 * `POST ...?blocking=true` over one keep-alive connection (node:http, the leanest client Node has).
 * Run by bench/api.ts; in the controller's process the client would wait on the controller's event
 * loop (the kafkajs work that follows each reply) and charge that to the platform.
 *
 * Input (environment): BLOCKING_URL, BLOCKING_AUTH (the Authorization header), BLOCKING_BODY,
 * BLOCKING_SAMPLES, BLOCKING_WARMUP. Output (stdout): one JSON array of [elapsedMs, durationMs].
 */
import http from 'node:http';
import { appendFileSync } from 'node:fs';
const W = () => (performance.timeOrigin + performance.now()).toFixed(3);
import { performance } from 'node:perf_hooks';

const url = new URL(process.env.BLOCKING_URL ?? '');
const auth = process.env.BLOCKING_AUTH ?? '';
const body = process.env.BLOCKING_BODY ?? '{}';
const samples = Number(process.env.BLOCKING_SAMPLES ?? 500);
const warmup = Number(process.env.BLOCKING_WARMUP ?? 20);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function invoke(): Promise<{ status: number; duration: number }> {
  const k0 = W();
  let kr = '';
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        agent,
        headers: {
          authorization: auth,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        kr = W();
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const activation = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            duration?: number;
            activationId: string;
          };
          const id = activation.activationId;
          if (process.env.PALETTE_TRACE_FILE)
            appendFileSync(
              process.env.PALETTE_TRACE_FILE,
              `K0 ${id} ${k0}\nKR ${id} ${kr}\nK9 ${id} ${W()}\n`,
            );
          resolve({ status: res.statusCode ?? 0, duration: activation.duration ?? 0 });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
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
