/**
 * The set-up every suite that drives the real `wsk` shares: find the binary (a missing one fails
 * under CI=true and is announced, never silent, elsewhere), start a platform of its own, give it a
 * work directory with its own (empty) wskprops and the action files it needs, and stop both after.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Platform } from '../../../src/platform/platform.js';
import { startTestPlatform } from '../../support/platform.js';
import { findWsk, type WskLookup } from './wsk-binary.js';
import { runWsk, type WskRun } from './wsk-run.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface WskSuiteOptions {
  /** Names the platform's databases and the work directory. */
  readonly name: string;
  readonly invokers: number;
  /** Files written into the work directory before the tests (name → content). */
  readonly files?: Readonly<Record<string, string>>;
  /** Runs once the platform is up (e.g. actions created through the REST API). */
  readonly setup?: (platform: Platform) => Promise<void>;
}

export interface WskSuite {
  readonly lookup: WskLookup;
  /** Why there is no wsk, or undefined when there is one. */
  readonly missing: string | undefined;
  /** The platform (after beforeAll). */
  platform(): Platform;
  /** A path inside the work directory. */
  file(name: string): string;
  /** The real wsk against this suite's platform as guest, with the suite's own config file. */
  wsk(...args: string[]): Promise<WskRun>;
  /** The same, with another API key. */
  wskAs(authKey: string, ...args: string[]): Promise<WskRun>;
  /**
   * `describe` for tests that need wsk: skipped (announced) without one, except under CI=true,
   * where its first test fails saying why.
   */
  describeWithWsk(title: string, body: () => void): void;
}

export function wskSuite(options: WskSuiteOptions): WskSuite {
  const lookup = findWsk(root);
  const missing = 'reason' in lookup ? lookup.reason : undefined;
  const inCi = process.env.CI === 'true';
  let platform: Platform | undefined;
  let workDir: string | undefined;

  beforeAll(async () => {
    platform = await startTestPlatform(options.name, { invokers: options.invokers });
    workDir = mkdtempSync(join(tmpdir(), `palette-${options.name}-`));
    writeFileSync(join(workDir, 'wskprops'), '');
    for (const [name, content] of Object.entries(options.files ?? {}))
      writeFileSync(join(workDir, name), content);
    await options.setup?.(platform);
  }, 240_000);

  afterAll(async () => {
    await platform?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  const started = (): { platform: Platform; workDir: string } => {
    if (!platform || !workDir) throw new Error(`the ${options.name} platform has not started`);
    return { platform, workDir };
  };
  const wskAs = (authKey: string, ...args: string[]): Promise<WskRun> => {
    const { platform: p, workDir: dir } = started();
    return runWsk(lookup.path!, { apiHost: p.apiHost, authKey }, join(dir, 'wskprops'), args);
  };

  return {
    lookup,
    missing,
    platform: () => started().platform,
    file: (name) => join(started().workDir, name),
    wsk: (...args) => {
      const { platform: p, workDir: dir } = started();
      return runWsk(lookup.path!, p, join(dir, 'wskprops'), args);
    },
    wskAs,
    describeWithWsk(title, body) {
      if (missing && !inCi) console.warn(`SKIPPED ${title}: ${missing}`);
      describe.skipIf(missing !== undefined && !inCi)(title, () => {
        it('has a wsk binary', () => {
          if (missing) throw new Error(`CI=true and no wsk: ${missing}`);
        });
        body();
      });
    },
  };
}
