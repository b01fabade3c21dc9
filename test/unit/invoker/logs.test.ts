import { describe, expect, it } from 'vitest';
import {
  ContainerLog,
  formatLogLine,
  formatTimestamp,
  logSentinel,
  truncatedLogsMessage,
} from '../../../src/invoker/logs.js';

describe('log line format', () => {
  it('is OpenWhisk f"$time%-30s $stream: $msg" with a nanosecond RFC 3339 timestamp', () => {
    const time = formatTimestamp(1_700_000_000_010_000_000n);
    expect(time).toBe('2023-11-14T22:13:20.010000000Z');
    expect(formatLogLine(time, 'stdout', 'hi\n')).toBe('2023-11-14T22:13:20.010000000Z stdout: hi');
    expect(formatLogLine('2023-11-14T22:13:20.0123Z', 'stderr', 'warn')).toBe(
      '2023-11-14T22:13:20.0123Z      stderr: warn',
    );
  });

  it('matches the wsk CLI strip regex', () => {
    const line = formatLogLine(formatTimestamp(1_700_000_000_123_456_789n), 'stderr', 'x y');
    const m = /\d{4}-..-..T..:..:..\.\d+Z( *(stdout|stderr):)?\s(.*)/.exec(line);
    expect(m?.[2]).toBe('stderr');
    expect(m?.[3]).toBe('x y');
  });
});

describe('ContainerLog', () => {
  const options = { limitBytes: 1024, waitForSentinel: true, timeoutMs: 200 };

  it('splits activations at the pair of sentinels and keeps later lines for the next one', async () => {
    const log = new ContainerLog();
    log.push('stdout', 'one\ntw');
    log.push('stdout', `o\n${logSentinel}\nnext\n`);
    log.push('stderr', `err1\n${logSentinel}\n`);
    const first = await log.collect(options);
    expect(first.map((l) => l.slice(31))).toEqual(['stdout: one', 'stdout: two', 'stderr: err1']);
    log.push('stdout', `${logSentinel}\n`);
    log.push('stderr', `${logSentinel}\n`);
    expect((await log.collect(options)).map((l) => l.slice(31))).toEqual(['stdout: next']);
  });

  it('waits for sentinels that arrive late', async () => {
    const log = new ContainerLog();
    log.push('stdout', 'a\n');
    setTimeout(() => log.push('stdout', `b\n${logSentinel}\n`), 20);
    setTimeout(() => log.push('stderr', `${logSentinel}\n`), 40);
    expect((await log.collect({ ...options, timeoutMs: 2000 })).map((l) => l.slice(31))).toEqual([
      'stdout: a',
      'stdout: b',
    ]);
  });

  it('reports missing sentinels with OpenWhisk log-failure line only when it waited for them', async () => {
    const log = new ContainerLog();
    log.push('stdout', 'a\n');
    const lines = await log.collect(options);
    expect(lines[1]).toMatch(
      /stderr: There was an issue while collecting your logs. Data might be missing.$/,
    );
    log.push('stdout', 'b\n');
    expect((await log.collect({ ...options, waitForSentinel: false })).map((l) => l.slice(31))).toEqual([
      'stdout: b',
    ]);
  });

  it('truncates at the log limit with OpenWhisk notice and drops the rest of the activation', async () => {
    const log = new ContainerLog();
    log.push('stdout', `${'x'.repeat(10)}\n${'y'.repeat(10)}\nz\n${logSentinel}\n`);
    log.push('stderr', `${logSentinel}\n`);
    const lines = await log.collect({ ...options, limitBytes: 15 });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`stderr: ${truncatedLogsMessage(15)}`);
    log.push('stdout', `after\n${logSentinel}\n`);
    log.push('stderr', `${logSentinel}\n`);
    expect((await log.collect(options)).map((l) => l.slice(31))).toEqual(['stdout: after']);
  });

  it('takes the unterminated last line when a stream ends', async () => {
    const log = new ContainerLog();
    log.push('stdout', 'partial');
    log.end('stdout');
    log.end('stderr');
    expect((await log.collect({ ...options, waitForSentinel: false })).map((l) => l.slice(31))).toEqual([
      'stdout: partial',
    ]);
  });
});
