/**
 * Driving the real `wsk` CLI from a test (one copy for every client suite): run it against a
 * controller with a config file of the test's own, require success, read the JSON it prints, and
 * retry a check until records written after the reply are readable.
 */
import { execFile } from 'node:child_process';

export interface WskRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `wsk args... --apihost --auth` with WSK_CONFIG_FILE=configFile; never rejects. */
export function runWsk(
  bin: string,
  target: { readonly apiHost: string; readonly authKey: string },
  configFile: string,
  args: readonly string[],
): Promise<WskRun> {
  return new Promise((resolve) => {
    execFile(
      bin,
      [...args, '--apihost', target.apiHost, '--auth', target.authKey],
      { env: { ...process.env, WSK_CONFIG_FILE: configFile }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The run itself when it exited 0; otherwise throws with what wsk printed. */
export function ok(run: WskRun): WskRun {
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.stderr.trim() || run.stdout.trim()}`);
  return run;
}

/** The JSON a wsk command prints after its `ok: ...` line. */
export function jsonAfterHeader(stdout: string): Record<string, unknown> {
  const start = stdout.indexOf('{');
  if (start < 0) throw new Error(`no JSON in: ${stdout}`);
  return JSON.parse(stdout.slice(start)) as Record<string, unknown>;
}

/** The value of annotation `key` on an entity or activation record, if any. */
export function annotationOf(record: unknown, key: string): unknown {
  const list = ((record as { annotations?: unknown }).annotations ?? []) as { key: string; value: unknown }[];
  return list.find((a) => a.key === key)?.value;
}

/** Retries `check` every 250 ms until it passes or `timeoutMs` runs out: records are written after the reply. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
