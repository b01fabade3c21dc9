/**
 * The FileTailSource stand-in compiled into the real invoker (DECISIONS R1: "tested on a growing
 * file"): a small Java program (fixtures/TailCheck.java) runs it from the build's jars on a file this
 * test keeps appending to. It must start at the given position, cut chunks of at most maxChunkSize
 * bytes, and deliver what is appended after it reached the end of the file.
 */
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { realInvokerBuild, skipReason } from './support.js';

const reason = await skipReason();
const work = mkdtempSync(join(tmpdir(), 'palette-tail-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(reason !== undefined)('FileTailSource stand-in', () => {
  it('tails a growing file from a position, in chunks of at most maxChunkSize bytes', async () => {
    const build = await realInvokerBuild();
    if (!('dir' in build)) throw new Error(build.reason);
    const classpath = `${join(build.dir, 'openwhisk-invoker.jar')}:${join(build.dir, 'lib/*')}`;
    const source = fileURLToPath(new URL('./fixtures/TailCheck.java', import.meta.url));
    execFileSync('javac', ['-cp', classpath, '-d', work, source], { stdio: 'pipe' });

    const file = join(work, 'container-json.log');
    writeFileSync(file, '0123456789');
    const child = spawn('java', ['-cp', `${work}:${classpath}`, 'TailCheck', file, '3', '17'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    // wait until the source has read to the end of what is there, then grow the file twice
    const deadline = Date.now() + 60_000;
    while (!out.includes('CHUNK 789\n')) {
      expect(Date.now(), `no first chunks: ${out} ${err}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    appendFileSync(file, 'ABCDEF');
    while (!out.includes('F')) {
      expect(Date.now(), `no appended chunk: ${out} ${err}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    appendFileSync(file, 'GHIJ');

    expect(await exited, err).toBe(0);
    const chunks = [...out.matchAll(/^CHUNK (.*)$/gm)].map((m) => m[1]!);
    expect(chunks.join('')).toBe('3456789ABCDEFGHIJ');
    expect(chunks.slice(0, 2)).toEqual(['3456', '789']);
    expect(chunks.every((c) => c.length >= 1 && c.length <= 4)).toBe(true);
  });
});
