/**
 * Captured, not constructed: the platform runs over the real Kafka broker with invoker processes,
 * serves every kind of invocation, and then an independent Kafka client reads what actually passed
 * over `invoker<N>`, `completed<C>` and `health`, and CouchDB gives back the records and actions as
 * stored. OpenWhisk's own parsers judge every line. Per-kind counts go to results/conformance.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../src/platform/platform.js';
import { captureTopic, independentClient } from '../support/kafka-capture.js';
import { owcParse, owcSkipReason, type OwcKind } from '../support/owc.js';
import { restClient, startTestPlatform } from '../support/platform.js';

const skip = owcSkipReason();

const sources: Record<string, string> = {
  ok: 'function main(p) { console.log("hi", p.name); return { payload: "Hello " + (p.name || "World") }; }',
  appError: 'function main() { return { error: "bad input" }; }',
  throws: 'function main() { throw new Error("boom"); }',
  slow: 'function main() { return new Promise((r) => setTimeout(() => r({ late: true }), 2000)); }',
  crash: 'function main() { process.exit(3); }',
  array: 'function main(p) { return [1, 2, p.x]; }',
  /** logs: 0 -> the invoker answers with one combined acknowledgement */
  quiet: 'function main(p) { return { quiet: true }; }',
};

/** Without kcat the judge reads topics with Kafka's ConsoleConsumer: a JVM start and an 8 s idle timeout each. */
const captureTimeoutMs = 120_000;

describe.skipIf(skip)('what the running system writes is accepted by OpenWhisk (captured)', () => {
  let platform: Platform;
  const counts: Record<string, { checked: number; rejected: number }> = {};

  beforeAll(async () => {
    platform = await startTestPlatform('capture', { invokers: 2 }, { invokerProcesses: true });
    const rest = restClient(platform);
    for (const [name, code] of Object.entries(sources)) {
      const limits = name === 'slow' ? { timeout: 500 } : name === 'quiet' ? { logs: 0 } : undefined;
      const parameters =
        name === 'ok'
          ? [
              { key: 'name', value: 'bound' },
              { key: 'secret', value: 's', init: true },
            ]
          : [];
      const reply = await rest.call('PUT', `/namespaces/_/actions/${name}?overwrite=true`, {
        exec: { kind: 'nodejs:default', code },
        parameters,
        ...(limits ? { limits } : {}),
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    }
    const annotated = await rest.call('PUT', '/namespaces/_/actions/colored?overwrite=true', {
      exec: { kind: 'nodejs:20', code: sources.ok },
      annotations: [{ key: '__palette_color', value: 'tenant-a' }],
    });
    expect(annotated.status).toBe(200);
    const calls: Promise<unknown>[] = [];
    for (const blocking of [true, false]) {
      for (const name of Object.keys(sources)) {
        calls.push(
          rest.call('POST', `/namespaces/_/actions/${name}?blocking=${blocking}`, { name: 'x', x: 1 }),
        );
        calls.push(
          rest.call('POST', `/namespaces/_/actions/${name}?blocking=${blocking}`, {
            __palette_color: `c-${name}`,
          }),
        );
      }
      calls.push(rest.call('POST', `/namespaces/_/actions/array?blocking=${blocking}`, [1, 2, 3]));
      calls.push(rest.call('POST', `/namespaces/_/actions/colored?blocking=${blocking}`, { name: 'y' }));
    }
    await Promise.all(calls);
    // let non-blocking activations, completions, records and a few pings land
    await new Promise((r) => setTimeout(r, 4_000));
    await platform.stores.activations.flush();
  }, 240_000);

  afterAll(async () => {
    await platform?.stop();
    mkdirSync('results/tests', { recursive: true });
    const rows = Object.entries(counts).map(([k, c]) => `| ${k} | ${c.checked} | ${c.rejected} |`);
    writeFileSync(
      'results/tests/conformance-captured.md',
      [
        `Captured with ${independentClient()} and CouchDB reads; judged by OpenWhisk's parsers.`,
        '',
        '| kind | checked | rejected |',
        '|---|---|---|',
        ...rows,
        '',
      ].join('\n'),
    );
  }, 60_000);

  const judge = (label: string, kind: OwcKind, lines: string[], explain = false) => {
    const verdicts = owcParse(kind, lines, { explain });
    const rejected = verdicts.flatMap((v, i) => (v.ok ? [] : [`${v.output} <- ${lines[i]!.slice(0, 300)}`]));
    counts[label] = { checked: lines.length, rejected: rejected.length };
    expect(rejected).toEqual([]);
    return verdicts;
  };

  it(
    'ActivationMessages read back from invoker<N>',
    async () => {
      const prefix = platform.config.kafkaTopicPrefix;
      const lines = [
        ...(await captureTopic(`${prefix}invoker0`)),
        ...(await captureTopic(`${prefix}invoker1`)),
      ];
      expect(lines.length).toBeGreaterThan(20);
      expect(lines.some((l) => l.includes('sid_invokerHealth'))).toBe(true);
      judge('activation (captured)', 'activation', lines);
    },
    captureTimeoutMs,
  );

  it(
    'acknowledgements read back from completed<C>, each the class its shape says',
    async () => {
      const lines = await captureTopic(
        `${platform.config.kafkaTopicPrefix}completed${platform.config.controllerId}`,
      );
      expect(lines.length).toBeGreaterThan(20);
      const verdicts = judge('ack (captured)', 'ack', lines, true);
      const classes = new Set(verdicts.map((v) => v.className));
      expect(classes).toEqual(
        new Set(['ResultMessage', 'CompletionMessage', 'CombinedCompletionAndResultMessage']),
      );
    },
    captureTimeoutMs,
  );

  it(
    'pings read back from health',
    async () => {
      const lines = await captureTopic(`${platform.config.kafkaTopicPrefix}health`);
      expect(lines.length).toBeGreaterThan(2);
      judge('ping (captured)', 'ping', lines);
    },
    captureTimeoutMs,
  );

  it('activation records and action documents as stored in CouchDB', async () => {
    const base = `${platform.couchUrl}/${platform.config.dbPrefix}`;
    const all = async (db: string) => {
      const reply = (await (await fetch(`${base}${db}/_all_docs?include_docs=true`)).json()) as {
        rows: { id: string; doc: Record<string, unknown> }[];
      };
      return reply.rows.filter((r) => !r.id.startsWith('_design/')).map((r) => JSON.stringify(r.doc));
    };
    const records = await all('activations');
    expect(records.length).toBeGreaterThan(20);
    judge('whisk-activation (stored)', 'whisk-activation', records);
    const actions = await all('whisks');
    expect(actions.length).toBeGreaterThanOrEqual(Object.keys(sources).length);
    judge('action (stored)', 'action', actions);
  });
});
