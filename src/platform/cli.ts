/**
 * Command lines of the entry points and the benchmarks (R26): every command answers `--help` with
 * its usage and refuses an unknown option or a bad value in one line, never a stack trace.
 * `readCommandLine` is pure (tests call it); `commandLine` acts on its answer for a real process.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true }>>['values'];

export type CommandLine<O extends Options> =
  | { readonly kind: 'run'; readonly values: Values<O> }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'refused'; readonly line: string };

export interface CommandSpec<O extends Options> {
  /** The command as a user types it, e.g. `npm run bench:soak --`. */
  readonly name: string;
  /** Usage text printed by --help (the options, their defaults, what the command does). */
  readonly usage: string;
  readonly options: O;
}

/** What a command line asks for: run with these values, print the usage, or refuse in one line. */
export function readCommandLine<O extends Options>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): CommandLine<O> {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: spec.usage };
  try {
    const { values } = parseArgs({ args: [...argv], options: spec.options, strict: true });
    return { kind: 'run', values: values as Values<O> };
  } catch (error) {
    return { kind: 'refused', line: `${spec.name}: ${refusal(error)} (see --help)` };
  }
}

/** node:util's messages, cut to the part a user needs. */
function refusal(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option '${option}'`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `unexpected argument ${/'[^']*'/.exec(message)?.[0] ?? ''}`.trim();
  return message.split('\n')[0]!.replace(/\.$/, '');
}

/** The values of `process.argv` (or `argv`); prints the usage and exits 0, or refuses and exits 1. */
export function commandLine<O extends Options>(
  spec: CommandSpec<O>,
  argv: readonly string[] = process.argv.slice(2),
): Values<O> {
  const read = readCommandLine(spec, argv);
  if (read.kind === 'help') {
    process.stdout.write(read.text.endsWith('\n') ? read.text : `${read.text}\n`);
    process.exit(0);
  }
  if (read.kind === 'refused') {
    process.stderr.write(`${read.line}\n`);
    process.exit(1);
  }
  return read.values;
}

/** A numeric option's value, or a one-line refusal naming the option. */
export function numberOption(name: string, value: string | undefined, min = 0): number {
  const n = Number(value);
  if (value === undefined || value.trim() === '' || !Number.isFinite(n) || n < min)
    throw new StartError(`--${name} must be a number >= ${min}, not '${value ?? ''}'`);
  return n;
}

/**
 * An error a user can act on at start: its message is the whole answer (one line naming the setting
 * or address and what to do), printed without a stack trace.
 */
export class StartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartError';
  }
}
