/**
 * Finds the real `wsk` CLI: `$WSK`, else `wsk` on PATH, else the cached build from
 * `../shared/tools/wsk/build.sh` (prints the binary path; see research/wsk-api.md §1.2).
 * Answers the path, or why there is none.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

export type WskLookup = { path: string; source: string } | { path?: undefined; reason: string };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findWsk(root = process.cwd()): WskLookup {
  const fromEnv = process.env.WSK;
  if (fromEnv) {
    return executable(fromEnv)
      ? { path: fromEnv, source: '$WSK' }
      : { reason: `$WSK=${fromEnv} is not executable` };
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'wsk');
    if (dir && executable(candidate)) return { path: candidate, source: 'PATH' };
  }
  const script = resolve(root, '../shared/tools/wsk/build.sh');
  if (!existsSync(script)) return { reason: `no $WSK, no wsk on PATH and no ${script}` };
  try {
    const out = execFileSync(script, {
      encoding: 'utf8',
      timeout: 300_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    const path = out.split('\n').at(-1)?.trim() ?? '';
    return executable(path) ? { path, source: script } : { reason: `${script} printed no executable path` };
  } catch (err) {
    return { reason: `${script} failed: ${(err as Error).message.split('\n')[0]}` };
  }
}
