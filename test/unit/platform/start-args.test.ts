import { describe, expect, it } from 'vitest';
import { parseStartArgs } from '../../../src/platform/start-args.js';

describe('npm start arguments', () => {
  it('takes --kafka and --replicas N (which implies --kafka)', () => {
    expect(parseStartArgs([])).toEqual({ kafka: false, replicas: 1 });
    expect(parseStartArgs(['--kafka'])).toEqual({ kafka: true, replicas: 1 });
    expect(parseStartArgs(['--replicas', '3'])).toEqual({ kafka: true, replicas: 3 });
    expect(parseStartArgs(['--replicas=2', '--kafka'])).toEqual({ kafka: true, replicas: 2 });
    expect(parseStartArgs(['--help'])).toEqual({ help: true });
  });

  it('refuses a bad count or an unknown option in one line', () => {
    for (const args of [
      ['--replicas'],
      ['--replicas', '0'],
      ['--replicas', 'x'],
      ['--replicas=1.5'],
      ['--replicas', '17'],
    ])
      expect(parseStartArgs(args)).toEqual({ error: expect.stringMatching(/^--replicas takes a number/) });
    expect(parseStartArgs(['--kafak'])).toEqual({ error: "unknown option '--kafak' (see --help)" });
  });
});
