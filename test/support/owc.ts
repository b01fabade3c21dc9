/**
 * OpenWhisk's own parsers as a judge (../shared/tools/ow-conformance). Found through $OWC, else
 * built by the shared build script (cached). Where neither exists the conformance suites skip and
 * say why, except under CI=true, where a missing judge fails the run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type OwcKind =
  'activation' | 'ack' | 'ping' | 'whisk-activation' | 'action' | 'package' | 'trigger' | 'rule';

export interface OwcVerdict {
  ok: boolean;
  /** For acks: the class OpenWhisk read it as. */
  className?: string;
  /** The JSON as OpenWhisk writes it back (ok), or OpenWhisk's error message. */
  output: string;
  /** With --explain: what CommonLoadBalancer.processAcknowledgement reads from an ack. */
  explain?: Record<string, unknown>;
}

const buildScript = fileURLToPath(new URL('../../../shared/tools/ow-conformance/build.sh', import.meta.url));

let cached: { path?: string; reason?: string } | undefined;

export function findOwc(): { path?: string; reason?: string } {
  if (cached) return cached;
  if (process.env.OWC && existsSync(process.env.OWC)) return (cached = { path: process.env.OWC });
  if (!existsSync(buildScript)) {
    return (cached = {
      reason: `OpenWhisk's parsers are not available: ${buildScript} is absent (no ../shared)`,
    });
  }
  try {
    const path = execFileSync('bash', [buildScript], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    return (cached = { path });
  } catch (error) {
    return (cached = {
      reason: `building OpenWhisk's parsers failed (needs java and mvn): ${String(error).slice(0, 300)}`,
    });
  }
}

/** Throws under CI when the judge is missing; otherwise returns the reason to skip, or undefined. */
export function owcSkipReason(): string | undefined {
  const found = findOwc();
  if (found.path) return undefined;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${found.reason}`);
  console.warn(`SKIPPED conformance: ${found.reason}`);
  return found.reason;
}

/** Index just past the first complete JSON value starting at `from`. */
function endOfJson(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

function parseLine(line: string, explain: boolean): OwcVerdict {
  if (!line.startsWith('ok ')) return { ok: false, output: line.replace(/^error /, '') };
  let rest = line.slice(3);
  let className: string | undefined;
  const firstBrace = rest.search(/[[{]/);
  if (firstBrace > 0) {
    className = rest.slice(0, firstBrace).trim();
    rest = rest.slice(firstBrace);
  }
  const end = endOfJson(rest, 0);
  const verdict: OwcVerdict = { ok: true, output: rest.slice(0, end) };
  if (className) verdict.className = className;
  if (explain) verdict.explain = JSON.parse(rest.slice(end).trim()) as Record<string, unknown>;
  return verdict;
}

/** Feeds every JSON line to `parse KIND` in one JVM and returns one verdict per line. */
export function owcParse(
  kind: OwcKind,
  lines: readonly string[],
  options: { explain?: boolean } = {},
): OwcVerdict[] {
  const { path } = findOwc();
  if (!path) throw new Error('OpenWhisk parsers unavailable');
  if (lines.some((l) => l.includes('\n'))) throw new Error('each document must be one line');
  const args = ['parse', kind, ...(options.explain ? ['--explain'] : [])];
  const run = spawnSync(path, args, {
    input: lines.join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (run.status === 2 || run.error)
    throw new Error(`ow-conformance failed: ${run.stderr || String(run.error)}`);
  const out = run.stdout.split('\n').filter((l) => l.trim() !== '');
  if (out.length !== lines.length) {
    throw new Error(
      `ow-conformance answered ${out.length} lines for ${lines.length}: ${run.stderr.slice(0, 500)}`,
    );
  }
  return out.map((line) => parseLine(line, options.explain === true));
}
