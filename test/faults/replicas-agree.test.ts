/**
 * Replicas agree from the first decision (issue 15 item 5, R14): three controller processes
 * (palette0..2, least-assigned, PALETTE_CONTROLLER_REPLICAS=3) on real Kafka and pouchdb-server are
 * given the same new colors at the same moment, each in an order of its own. Each replica's placement records say which invoker
 * it chose for each color; their first decisions must agree on >= 99.5% of colors, and on all of
 * them once the table has settled. Then hot colors are sent to every replica at once to show how
 * bounded-loads spills differ between replicas (each sees only its own in-flight book): printed for
 * the README, not asserted.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wellKnownAuth } from '../../src/store/index.js';
import { waitUntil } from '../support/processes.js';
import { startReplicas, stopStartedReplicas, type Replicas } from '../support/replicas.js';

const auth = `Basic ${Buffer.from(wellKnownAuth.guest).toString('base64')}`;
const hello = readFileSync(new URL('../../actions/hello.js', import.meta.url), 'utf8');
const REPLICAS = 3;
const INVOKERS = 4;
const COLORS = Number(process.env.PALETTE_AGREE_COLORS ?? 200);

/** A seeded Fisher-Yates shuffle (a fixed order per replica, so a failure can be replayed). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed * 2654435761;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

interface PlacementRow {
  _id: string;
  color?: string;
  controller: string;
  home?: number;
  invoker?: number;
  spilled: boolean;
  forced: boolean;
  time: number;
}

describe('controller replicas place new colors', () => {
  let replicas: Replicas;

  const invoke = (base: string, color: string) =>
    fetch(`${base}/api/v1/namespaces/_/actions/hello?blocking=false`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ __palette_color: color }),
    }).then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    });

  /**
   * Answers other than 202 by status. Only 503 is allowed: on this shared machine a publish can
   * outlast its 5 s bound under load (OpenWhisk's answer then); such an activation has no record.
   */
  const refused = (statuses: readonly number[]) => {
    const counts: Record<number, number> = {};
    for (const s of statuses) if (s !== 202) counts[s] = (counts[s] ?? 0) + 1;
    expect(Object.keys(counts).filter((s) => s !== '503')).toEqual([]);
    return { accepted: statuses.filter((s) => s === 202).length, counts };
  };

  /**
   * Sends every color to every replica at once, each replica in an order of its own (as given,
   * reversed, shuffled): the adversarial case, where no replica's table runs in step with another's.
   */
  const burst = async (colors: readonly string[]) => {
    const orders = replicas.controllers.map((_, i) =>
      i === 0 ? [...colors] : i === 1 ? [...colors].reverse() : shuffled(colors, i),
    );
    return refused(
      await Promise.all(
        colors.flatMap((_, k) => replicas.controllers.map((c, i) => invoke(c.base, orders[i]![k]!))),
      ),
    );
  };

  /** Every replica's `rounds` activations of each color, all sent at once. */
  const hotBurst = async (colors: readonly string[], perColor: number) =>
    refused(
      await Promise.all(
        Array.from({ length: perColor }, () => colors)
          .flat()
          .flatMap((color) => replicas.controllers.map((c) => invoke(c.base, color))),
      ),
    );

  const placements = async (): Promise<PlacementRow[]> => {
    const response = await fetch(`${replicas.dbUrl('palette_placements')}/_all_docs?include_docs=true`);
    const body = (await response.json()) as { rows?: { id: string; doc?: PlacementRow }[] };
    return (body.rows ?? []).filter((r) => !r.id.startsWith('_design/') && r.doc).map((r) => r.doc!);
  };

  /** The records of `colors` not `seen` before, once there are `count` of them. */
  const recorded = async (colors: readonly string[], count: number, seen: Set<string> = new Set()) => {
    const wanted = new Set(colors);
    let rows: PlacementRow[] = [];
    await waitUntil(
      async () => {
        rows = (await placements()).filter(
          (p) => p.color !== undefined && wanted.has(p.color) && !seen.has(p._id),
        );
        return rows.length >= count;
      },
      30_000,
      'placement records',
    );
    return rows;
  };

  /** Per color, each replica's records in decision order. */
  const byColor = (rows: readonly PlacementRow[]) => {
    const map = new Map<string, Map<string, PlacementRow[]>>();
    for (const row of [...rows].sort((a, b) => a.time - b.time)) {
      const perReplica = map.get(row.color!) ?? new Map<string, PlacementRow[]>();
      map.set(row.color!, perReplica);
      perReplica.set(row.controller, [...(perReplica.get(row.controller) ?? []), row]);
    }
    return map;
  };

  /** Share of colors whose k-th decision has the same home (and the same invoker) in every replica. */
  const agreement = (rows: readonly PlacementRow[], k: number) => {
    let home = 0;
    let invoker = 0;
    let colors = 0;
    for (const perReplica of byColor(rows).values()) {
      const picks = [...perReplica.values()].map((list) => list[k]);
      if (picks.length !== REPLICAS || picks.some((p) => p === undefined)) continue;
      colors++;
      if (new Set(picks.map((p) => p!.home)).size === 1) home++;
      if (new Set(picks.map((p) => p!.invoker)).size === 1) invoker++;
    }
    return { colors, home: home / colors, invoker: invoker / colors };
  };

  beforeAll(async () => {
    const began = Date.now();
    replicas = await startReplicas({
      name: 'agree',
      replicas: REPLICAS,
      invokers: INVOKERS,
      controllerEnv: { PALETTE_POLICY: 'least-assigned' },
      // 2048 MB / 3 replicas: 5 slots of 128 MB per replica and invoker.
      invokerMemoryMB: 2048,
    });
    const created = await fetch(
      `${replicas.controllers[0]!.base}/api/v1/namespaces/_/actions/hello?overwrite=true`,
      {
        method: 'PUT',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ exec: { kind: 'nodejs:20', code: hello }, limits: { memory: 128 } }),
      },
    );
    expect(created.status).toBe(200);
    console.log(
      `[faults] replicas: ${REPLICAS} controllers and ${INVOKERS} invokers ready in ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  }, 200_000);

  afterAll(async () => {
    await stopStartedReplicas();
  });

  it('agree on >= 99.5% of first decisions and on all of them once the table has settled', async () => {
    const colors = Array.from({ length: COLORS }, (_, i) => `agree-${Date.now().toString(36)}-${i}`);
    let began = Date.now();
    const firstBurst = await burst(colors);
    const firstMs = Date.now() - began;
    const firstRows = await recorded(colors, firstBurst.accepted);
    const first = agreement(firstRows, 0);

    began = Date.now();
    const secondBurst = await burst(colors);
    const settledMs = Date.now() - began;
    const seen = new Set(firstRows.map((r) => r._id));
    const settled = agreement(await recorded(colors, secondBurst.accepted, seen), 0);
    console.log(
      `[faults] replicas agree: ${COLORS} new colors x ${REPLICAS} replicas at once (${(firstMs / 1000).toFixed(1)} s): ` +
        `first decisions agree on ${(100 * first.home).toFixed(2)}% of ${first.colors} colors ` +
        `(same invoker incl. spills ${(100 * first.invoker).toFixed(2)}%); ` +
        `second round (${(settledMs / 1000).toFixed(1)} s): ${(100 * settled.home).toFixed(2)}% ` +
        `(same invoker ${(100 * settled.invoker).toFixed(2)}%); refused ${JSON.stringify(firstBurst.counts)} / ${JSON.stringify(secondBurst.counts)}`,
    );
    // Colors some replica could not publish (503) are not compared; nearly all must be.
    expect(first.colors).toBeGreaterThanOrEqual(COLORS * 0.95);
    expect(first.home).toBeGreaterThanOrEqual(0.995);
    expect(settled.colors).toBeGreaterThanOrEqual(COLORS * 0.95);
    expect(settled.home).toBe(1);
  }, 150_000);

  it('spill differently under bounded loads: each replica sees only its own in-flight book (printed)', async () => {
    const hot = ['hot-a', 'hot-b'].map((c) => `${c}-${Date.now().toString(36)}`);
    const seen = new Set((await recorded(hot, (await burst(hot)).accepted)).map((r) => r._id));
    let offHome = 0;
    let differ = 0;
    let oneSided = 0;
    let positions = 0;
    for (let round = 0; round < 4; round++) {
      await new Promise((r) => setTimeout(r, 1_500));
      const rows = await recorded(hot, (await hotBurst(hot, 8)).accepted, seen);
      for (const r of rows) seen.add(r._id);
      for (const perReplica of byColor(rows).values()) {
        const lists = [...perReplica.values()];
        for (let k = 0; k < 8; k++) {
          const picks = lists.map((l) => l[k]).filter((p) => p !== undefined);
          if (picks.length !== REPLICAS) continue;
          positions++;
          const off = picks.filter((p) => p.spilled || p.forced).length;
          if (off === 0) continue;
          offHome++;
          if (off < REPLICAS) oneSided++;
          if (new Set(picks.map((p) => p.invoker)).size > 1) differ++;
        }
      }
    }
    console.log(
      `[faults] replica spills: ${positions} same-moment decisions of 2 hot colors x ${REPLICAS} replicas; ` +
        `${offHome} off home in at least one replica; of those ${differ} (${((100 * differ) / Math.max(1, offHome)).toFixed(1)}%) ` +
        `went to different invokers, ${oneSided} (${((100 * oneSided) / Math.max(1, offHome)).toFixed(1)}%) spilled in some replicas only`,
    );
    expect(positions).toBeGreaterThan(0);
  }, 60_000);
});
