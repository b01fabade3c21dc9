/**
 * A mixed fleet under one Palette controller: one real OpenWhisk invoker beside two of Palette's own
 * invoker processes. Colors spread over all three and stick; the same action errors answer the same
 * on both kinds of invoker; a python action goes only to the real invoker, the one without the
 * palette-nodejs tag (R10). Also measures (prints, never asserts) the blocking latency through the
 * real invoker beside Palette's own, with bench:api's blocking client: 500 sequential invokes after
 * 50 warm-ups each, in the same run (the figures in the README come from here).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentile, sortNumbers } from '../../bench/lib/stats.js';
import { probeCode, restFor, startFleet, type Fleet, type ProbeResult } from './harness.js';
import { skipReason } from './support.js';

const reason = await skipReason();

/** The probe, also saying which Palette invoker ran it (Palette's containers carry PALETTE_INVOKER_ID). */
const mixedProbe = probeCode.replace(
  'echo: params.echo',
  'echo: params.echo, paletteInvoker: process.env.PALETTE_INVOKER_ID === undefined ? null : Number(process.env.PALETTE_INVOKER_ID)',
);

type MixedResult = ProbeResult & { paletteInvoker: number | null };

describe.skipIf(reason !== undefined)('one real OpenWhisk invoker beside two Palette invokers', () => {
  let fleet: Fleet;
  let rest: ReturnType<typeof restFor>;
  const REAL = 0;

  beforeAll(async () => {
    fleet = await startFleet('owmixed', [REAL], [1, 2]);
    rest = restFor(fleet);
    for (const [name, code] of [
      ['probe', mixedProbe],
      ['apperror', `function main() { return { error: 'not a valid order' }; }`],
    ] as const) {
      const reply = await rest.call('PUT', `/namespaces/_/actions/${name}?overwrite=true`, {
        exec: { kind: 'nodejs:20', code },
      });
      expect(reply.status).toBe(200);
    }
  });

  afterAll(async () => {
    await fleet?.stop();
  }, 120_000);

  /** Where a color's call ran, seen from inside the container. */
  const ranOn = async (color: string): Promise<number> => {
    const reply = await rest.invoke('probe', { __palette_color: color });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const result = reply.body as MixedResult;
    const real = fleet.invokerOfPid(result.pid);
    expect(real === undefined || result.paletteInvoker === null, 'one kind of invoker ran it').toBe(true);
    const id = real ?? result.paletteInvoker;
    expect(id, `${color} ran on a known invoker`).not.toBeNull();
    return id!;
  };

  const colors = Array.from({ length: 24 }, (_, i) => `mixed-${i}`);
  const placed = new Map<string, number>();

  it('colors spread over the real and the Palette invokers, and stick', async () => {
    for (const color of colors) placed.set(color, await ranOn(color));
    expect(new Set(placed.values())).toEqual(new Set([0, 1, 2]));
    for (let round = 0; round < 2; round++) {
      for (const color of colors) expect(await ranOn(color), `${color} sticks`).toBe(placed.get(color));
    }
  });

  it('an application error answers the same from both kinds of invoker', async () => {
    const answers = new Map<string, unknown>();
    for (const color of colors) {
      const kind = placed.get(color) === REAL ? 'real' : 'palette';
      if (answers.has(kind)) continue;
      const reply = await rest.call('POST', '/namespaces/_/actions/apperror?blocking=true', {
        __palette_color: color,
      });
      const body = reply.body as { response: Record<string, unknown> };
      answers.set(kind, { status: reply.status, response: body.response });
    }
    expect(answers.get('real')).toEqual(answers.get('palette'));
    expect(answers.get('real')).toMatchObject({ status: 502, response: { status: 'application error' } });
  });

  it('blocking latency through the real invoker beside Palette invoker (printed)', async () => {
    const realColor = colors.find((c) => placed.get(c) === REAL)!;
    const paletteColor = colors.find((c) => placed.get(c) !== REAL)!;
    const measure = (color: string) =>
      new Promise<number[]>((resolve, reject) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', fileURLToPath(new URL('../../bench/lib/blocking-client.ts', import.meta.url))],
          {
            env: {
              ...process.env,
              BLOCKING_URL: `${fleet.apiHost}/api/v1/namespaces/_/actions/probe?blocking=true`,
              BLOCKING_AUTH: `Basic ${Buffer.from(fleet.authKey).toString('base64')}`,
              BLOCKING_BODY: JSON.stringify({ __palette_color: color }),
              BLOCKING_SAMPLES: '500',
              BLOCKING_WARMUP: '50',
            },
            maxBuffer: 16 * 1024 * 1024,
          },
          (error, stdout, stderr) => {
            if (error) reject(new Error(`blocking client: ${stderr || String(error)}`));
            else resolve(sortNumbers((JSON.parse(stdout) as [number, number][]).map(([elapsed]) => elapsed)));
          },
        );
      });
    const real = await measure(realColor);
    const palette = await measure(paletteColor);
    expect(real).toHaveLength(500);
    expect(palette).toHaveLength(500);
    const row = (name: string, xs: number[]) =>
      `${name}: p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms`;
    console.log(
      `[openwhisk] blocking latency, 500 sequential invokes after 50 warm-ups, same run:\n` +
        `  ${row('real OpenWhisk invoker', real)}\n  ${row('Palette invoker', palette)}`,
    );
    // The real invoker served the color's 550 calls from a few warm containers. (More than one: OpenWhisk
    // answers a blocking call before it has collected the logs, and a container is free again only after.)
    const after = (await rest.invoke('probe', { __palette_color: realColor })).body as MixedResult;
    expect(fleet.invokerOfPid(after.pid)).toBe(REAL);
    const started =
      fleet.real
        .get(REAL)!
        .dockerCalls()
        .match(/ ok run -d /g) ?? [];
    expect(started.length, 'containers the real invoker started for >550 calls').toBeLessThan(12);
  });
  it('a python action goes only to the real invoker: Palette invokers carry the palette-nodejs tag (R10)', async () => {
    const put = await rest.call('PUT', '/namespaces/_/actions/py?overwrite=true', {
      exec: { kind: 'python:3.10', code: 'def main(args):\n    return {"ok": True}\n' },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    for (const params of [{}, { __palette_color: colors.find((c) => placed.get(c) !== REAL)! }]) {
      const reply = await rest.call('POST', '/namespaces/_/actions/py?blocking=true', params);
      const id = (reply.body as { activationId?: string }).activationId;
      expect(id, JSON.stringify(reply.body)).toBeDefined();
      let record: { annotations?: { key: string; value: unknown }[] } | undefined;
      for (
        let tries = 0;
        tries < 80 && !record?.annotations?.some((a) => a.key === 'palette.invoker');
        tries++
      ) {
        const got = await rest.call('GET', `/namespaces/_/activations/${id}`);
        if (got.status === 200) record = got.body as typeof record;
        else await new Promise((r) => setTimeout(r, 250));
      }
      expect(record?.annotations).toContainEqual({ key: 'palette.invoker', value: REAL });
      // The real invoker tried the manifest's image; its stand-in docker has none, so OpenWhisk
      // answered a whisk error and marks the invoker unhealthy until its health tests pass again.
      await fleet.waitStatus([REAL], 'up');
    }
    expect(fleet.real.get(REAL)!.dockerCalls()).toContain('action-python-v3.10');
  }, 300_000);
});
