/**
 * R26's pure parts: what a command line asks for, the one line a failed start prints, and which
 * log format a process gets. The entry points themselves are spawned in
 * test/integration/platform/start-errors.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { numberOption, readCommandLine, StartError } from '../../../src/platform/cli.js';
import { ConfigError, loadConfig } from '../../../src/platform/config.js';
import { listenError } from '../../../src/platform/listen.js';
import { logFormat } from '../../../src/platform/logger.js';
import { describeStartError, startFailureText, wantsStack } from '../../../src/platform/start-errors.js';

const spec = {
  name: 'bench:x',
  usage: 'npm run bench:x -- [--minutes N] [--quick]',
  options: {
    minutes: { type: 'string', default: '10' },
    quick: { type: 'boolean', default: false },
  },
} as const;

describe('readCommandLine', () => {
  it('runs with the defaults, or with the values given', () => {
    expect(readCommandLine(spec, [])).toEqual({ kind: 'run', values: { minutes: '10', quick: false } });
    expect(readCommandLine(spec, ['--minutes', '3', '--quick'])).toEqual({
      kind: 'run',
      values: { minutes: '3', quick: true },
    });
    expect(readCommandLine(spec, ['--minutes=2'])).toMatchObject({ values: { minutes: '2' } });
  });

  it('answers --help and -h with the usage, whatever else is on the line', () => {
    for (const argv of [['--help'], ['-h'], ['--bogus', '--help'], ['--minutes', '3', '-h']])
      expect(readCommandLine(spec, argv)).toEqual({ kind: 'help', text: spec.usage });
  });

  it('refuses an unknown option, a positional or a missing value in one line naming the command', () => {
    expect(readCommandLine(spec, ['--bogus'])).toEqual({
      kind: 'refused',
      line: "bench:x: unknown option '--bogus' (see --help)",
    });
    expect(readCommandLine(spec, ['-x'])).toEqual({
      kind: 'refused',
      line: "bench:x: unknown option '-x' (see --help)",
    });
    expect(readCommandLine(spec, ['extra'])).toEqual({
      kind: 'refused',
      line: "bench:x: unexpected argument 'extra' (see --help)",
    });
    const missing = readCommandLine(spec, ['--minutes']);
    expect(missing.kind).toBe('refused');
    expect(missing.kind === 'refused' && missing.line).toMatch(/^bench:x: .*--minutes.* \(see --help\)$/);
  });

  it('never throws and always answers in one line (generated command lines)', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 6 }), (argv) => {
        const read = readCommandLine(spec, argv);
        if (read.kind === 'refused') {
          expect(read.line).not.toContain('\n');
          expect(read.line.startsWith('bench:x: ')).toBe(true);
        }
      }),
    );
  });
});

describe('numberOption', () => {
  it('reads numbers at or above the minimum and refuses the rest naming the option', () => {
    expect(numberOption('rate', '50', 1)).toBe(50);
    expect(numberOption('blocking', '0.25', 0)).toBe(0.25);
    for (const bad of ['x', '', ' ', '0', '-1', 'NaN', 'Infinity', undefined])
      expect(() => numberOption('rate', bad, 1)).toThrow(/^--rate must be a number >= 1/);
  });
});

describe('describeStartError', () => {
  it('prints a StartError or a ConfigError as it is (their message is the answer)', () => {
    expect(describeStartError(new StartError('port 3233 is in use; set PALETTE_PORT to a free port'))).toBe(
      'port 3233 is in use; set PALETTE_PORT to a free port',
    );
    const invalid = (() => {
      try {
        loadConfig({ PALETTE_PORT: 'abc' });
      } catch (error) {
        return error;
      }
    })();
    expect(invalid).toBeInstanceOf(ConfigError);
    expect(describeStartError(invalid)).toMatch(/^invalid configuration: PALETTE_PORT: /);
  });

  it('names PALETTE_PORT or PALETTE_HOST for listen errors, raw or translated', () => {
    const inUse = Object.assign(new Error('listen EADDRINUSE'), {
      code: 'EADDRINUSE',
      syscall: 'listen',
      address: '127.0.0.1',
      port: 3233,
    });
    expect(describeStartError(inUse)).toBe('port 3233 is in use; set PALETTE_PORT to a free port');
    expect(describeStartError(listenError(inUse, 3233, '127.0.0.1'))).toBe(
      'port 3233 is in use; set PALETTE_PORT to a free port',
    );
    const denied = Object.assign(new Error('listen EACCES'), { code: 'EACCES', syscall: 'listen', port: 80 });
    expect(describeStartError(listenError(denied, 80, '0.0.0.0'))).toMatch(
      /port 80 needs privileges; set PALETTE_PORT/,
    );
    const notHere = Object.assign(new Error('listen EADDRNOTAVAIL'), {
      code: 'EADDRNOTAVAIL',
      syscall: 'listen',
    });
    expect(describeStartError(listenError(notHere, 3233, '10.1.2.3'))).toBe(
      'cannot listen on 10.1.2.3: not an address of this machine; set PALETTE_HOST',
    );
  });

  it('gives anything else its first line and says how to see the stack', () => {
    expect(describeStartError(new TypeError('boom\n    at x (y.ts:1:1)'))).toBe(
      'boom (PALETTE_LOG_LEVEL=debug shows the stack)',
    );
    expect(describeStartError('plain')).toBe('plain (PALETTE_LOG_LEVEL=debug shows the stack)');
  });

  it('adds the stack only at PALETTE_LOG_LEVEL=debug or trace', () => {
    const error = new StartError('port 1 is in use; set PALETTE_PORT to a free port');
    expect(startFailureText(error, {})).toBe(`${error.message}\n`);
    expect(startFailureText(error, { PALETTE_LOG_LEVEL: 'info' }).split('\n')).toHaveLength(2);
    expect(startFailureText(error, { PALETTE_LOG_LEVEL: 'debug' })).toContain('at ');
    expect(wantsStack({ PALETTE_LOG_LEVEL: 'trace' })).toBe(true);
    expect(wantsStack({ PALETTE_LOG_LEVEL: 'warn' })).toBe(false);
  });
});

describe('logFormat', () => {
  it('is pretty only on a terminal with pino-pretty installed, JSON otherwise', () => {
    expect(logFormat(true, true)).toBe('pretty');
    expect(logFormat(true, false)).toBe('json');
    expect(logFormat(false, true)).toBe('json');
    expect(logFormat(false, false)).toBe('json');
  });
});
