/**
 * Verifies the emulated link before the run (R5): one 32 MiB download and one 32 MiB upload
 * through the link to the probe server, and the round trip the emulation adds (median of 25 small
 * exchanges through the delaying relay, less the median of 25 through a relay on the same path
 * that adds nothing, so HTTP's and the relay hop's own time on a loaded machine are not counted
 * as delay), each compared with its setting (within 10%). `judgeLink` is pure; the measurements talk to the probe.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LinkSettings } from './remote-store.js';
import { median } from './stats.js';

export interface LinkMeasurement {
  readonly downBytesPerSecond: number;
  readonly upBytesPerSecond: number;
  /** The round trip the emulation adds: median through the delaying relay less median through a plain one. */
  readonly rttMs: number;
  /** Medians through the delaying relay and through a plain relay on the same path. */
  readonly rttRelayMs: number;
  readonly rttDirectMs: number;
  /** Bytes of each transfer. */
  readonly transferBytes: number;
}

/** One line per measurement that misses its setting by more than `tolerance` (a fraction). */
export function judgeLink(measured: LinkMeasurement, settings: LinkSettings, tolerance = 0.1): string[] {
  const problems: string[] = [];
  const off = (value: number, target: number) => Math.abs(value / target - 1);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB/s`;
  for (const [what, value] of [
    ['download', measured.downBytesPerSecond],
    ['upload', measured.upBytesPerSecond],
  ] as const) {
    if (off(value, settings.rateBytesPerSecond) > tolerance)
      problems.push(
        `${what} rate ${mib(value)} is not within ${tolerance * 100}% of ${mib(settings.rateBytesPerSecond)}`,
      );
  }
  // A zero delay is checked as "adds at most 1 ms" (loopback and veth take tens of microseconds).
  const rttOk = settings.rttMs === 0 ? measured.rttMs <= 1 : off(measured.rttMs, settings.rttMs) <= tolerance;
  if (!rttOk)
    problems.push(
      `round trip ${measured.rttMs.toFixed(2)} ms is not within ${tolerance * 100}% of ${settings.rttMs} ms`,
    );
  return problems;
}

export function describeMeasurement(measured: LinkMeasurement, settings: LinkSettings): string {
  const mib = (b: number) => (b / 2 ** 20).toFixed(2);
  return (
    `measured: download ${mib(measured.downBytesPerSecond)} MiB/s, upload ${mib(measured.upBytesPerSecond)} MiB/s ` +
    `(one ${mib(measured.transferBytes)} MiB transfer each; setting ${mib(settings.rateBytesPerSecond)} MiB/s per direction), ` +
    `added round trip ${measured.rttMs.toFixed(2)} ms (setting ${settings.rttMs} ms; medians of 25: ` +
    `${measured.rttRelayMs.toFixed(2)} ms through the delaying relay, ${measured.rttDirectMs.toFixed(2)} ms through a plain one)`
  );
}

// One connection per origin, kept alive: the probe's round trips measure the path, not TCP's handshake.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function exchange(
  url: URL,
  method: 'GET' | 'PUT',
  body?: Buffer,
): Promise<{ firstByteAt: number; firstChunkBytes: number; endAt: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent }, (res) => {
      let firstByteAt = 0;
      let firstChunkBytes = 0;
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        if (bytes === 0) {
          firstByteAt = performance.now();
          firstChunkBytes = chunk.length;
        }
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ firstByteAt, firstChunkBytes, endAt: performance.now(), bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${url.href} timed out`)));
    req.end(body);
  });
}

async function roundTrip(url: URL): Promise<number> {
  const began = performance.now();
  const { endAt } = await exchange(url, 'GET');
  return endAt - began;
}

export async function measureLink(
  probeUrl: string,
  directProbeUrl: string,
  transferBytes = 32 * 2 ** 20,
): Promise<LinkMeasurement> {
  const base = new URL(probeUrl);
  const direct = new URL('/', directProbeUrl);
  // Round trips on kept-alive connections (the first ones open them and are not counted),
  // alternating between the two paths so that the machine's load weighs on both alike.
  // Ten more through the relay first, for its timers to learn how late they fire.
  for (let i = 0; i < 11; i++) await roundTrip(new URL('/', base));
  await roundTrip(direct);
  const relayed: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < 25; i++) {
    relayed.push(await roundTrip(new URL('/', base)));
    plain.push(await roundTrip(direct));
  }
  const rttRelayMs = median(relayed);
  const rttDirectMs = median(plain);
  const rttMs = rttRelayMs - rttDirectMs;
  // Download: from the first byte to the last, so the round trip is not counted as transfer time.
  const down = await exchange(new URL(`/bytes/${transferBytes}`, base), 'GET');
  const downBytesPerSecond = ((down.bytes - down.firstChunkBytes) / (down.endAt - down.firstByteAt)) * 1000;
  // Upload: from the first byte sent to the answer, less the round trip.
  const began = performance.now();
  const up = await exchange(new URL('/sink', base), 'PUT', Buffer.alloc(transferBytes));
  const upBytesPerSecond = (transferBytes / Math.max(1, up.endAt - began - rttMs)) * 1000;
  return { downBytesPerSecond, upBytesPerSecond, rttMs, rttRelayMs, rttDirectMs, transferBytes };
}
