/**
 * The example driver examples/dag/run.ts against the real platform (controller, Kafka of the global
 * setup, CouchDB, 3 invokers running dag-task), spawned as a user runs it, so it cannot rot:
 * block placement pins the chains through the affinity route, every task runs on its chain's
 * pinned invoker, and an input is read from the invoker's local store exactly when its producer
 * ran on the same invoker. A cyclic DAG is refused naming the task, and nothing is pinned.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Platform } from '../../../src/platform/platform.js';
import { startTestPlatform } from '../../support/platform.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SPAWN_TIMEOUT = 180_000;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Report {
  summary: { tasks: number; inputs: number; localInputs: number; onPlannedInvoker?: number };
  tasks: {
    task: string;
    color?: string;
    planned?: number;
    invoker: number;
    inputs: { key: string; source: 'local' | 'remote' }[];
  }[];
  run: string;
}

let platform: Platform;
let workDir: string;

function driver(args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'examples/dag/run.ts', ...args],
      { cwd: root, timeout: SPAWN_TIMEOUT },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

const target = () => ['--apihost', platform.apiHost, '--auth', platform.authKey];

beforeAll(async () => {
  platform = await startTestPlatform('dagexample', { invokers: 3 });
  workDir = mkdtempSync(join(tmpdir(), 'palette-dag-example-'));
}, 240_000);

afterAll(async () => {
  await platform?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe('examples/dag/run.ts', () => {
  it(
    'answers --help and refuses an unknown option in one line',
    async () => {
      const help = await driver(['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('--placement P');
      const unknown = await driver(['--frobnicate']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim().split('\n')).toEqual([expect.stringMatching(/--frobnicate.*see --help/)]);
    },
    2 * SPAWN_TIMEOUT,
  );

  it(
    'pins the chains of a stencil through the affinity route and runs every task on its chain’s invoker',
    async () => {
      const outcome = await driver([
        ...target(),
        '--deploy',
        '--placement',
        'block',
        '--width',
        '6',
        '--steps',
        '3',
        '--concurrency',
        '1',
        '--json',
      ]);
      expect(outcome.code, outcome.stderr).toBe(0);
      const report = JSON.parse(outcome.stdout) as Report;
      expect(report.summary.tasks).toBe(18);
      // Six chains (one per point), pinned to the three invokers within the capacity factor 1.1.
      expect(new Set(report.tasks.map((t) => t.color)).size).toBe(6);
      expect(new Set(report.tasks.map((t) => t.planned))).toEqual(new Set([0, 1, 2]));
      // One task at a time: every pinned invoker is healthy, has room and is under the bound.
      for (const t of report.tasks) expect(t.invoker, t.task).toBe(t.planned);
      expect(report.summary.onPlannedInvoker).toBe(18);
      const ranOn = new Map(report.tasks.map((t) => [`${report.run}:${t.task}`, t.invoker]));
      for (const t of report.tasks)
        for (const input of t.inputs)
          expect(input.source, `${t.task} reading ${input.key}`).toBe(
            ranOn.get(input.key) === t.invoker ? 'local' : 'remote',
          );
      // A stencil over blocks of two adjacent chains: 2 of every 3 inputs stay inside an invoker
      // or more (hashing 6 colors over 3 invokers would keep the chain edges plus a third).
      expect(report.summary.localInputs / report.summary.inputs).toBeGreaterThan(0.6);
      const plan = await fetch(`${platform.apiHost}/palette/v1/namespaces/_/affinity`, {
        headers: { authorization: `Basic ${Buffer.from(platform.authKey).toString('base64')}` },
      });
      expect(plan.status).toBe(200);
      expect(((await plan.json()) as { summary: { colors: number } }).summary.colors).toBe(6);
    },
    SPAWN_TIMEOUT,
  );

  it(
    'refuses a cyclic DAG naming the task, and places and invokes nothing',
    async () => {
      const file = join(workDir, 'cyclic.json');
      writeFileSync(
        file,
        JSON.stringify([
          { id: 'load', deps: [] },
          { id: 'a', deps: ['load', 'b'] },
          { id: 'b', deps: ['a'] },
        ]),
      );
      const before = await fetch(`${platform.apiHost}/palette/v1/namespaces/_/affinity`, {
        headers: { authorization: `Basic ${Buffer.from(platform.authKey).toString('base64')}` },
      });
      const plannedBefore =
        before.status === 200 ? ((await before.json()) as { plannedAt: number }).plannedAt : 0;
      const outcome = await driver([...target(), '--dag', file]);
      expect(outcome.code).toBe(1);
      expect(outcome.stderr.trim()).toBe(
        'examples/dag: task "a" is on a dependency cycle: "a" -> "b" -> "a" (each depends on the next)',
      );
      expect(outcome.stdout).toBe('');
      const after = await fetch(`${platform.apiHost}/palette/v1/namespaces/_/affinity`, {
        headers: { authorization: `Basic ${Buffer.from(platform.authKey).toString('base64')}` },
      });
      const plannedAfter =
        after.status === 200 ? ((await after.json()) as { plannedAt: number }).plannedAt : 0;
      expect(plannedAfter).toBe(plannedBefore);
    },
    SPAWN_TIMEOUT,
  );
});
