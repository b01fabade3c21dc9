/**
 * How an entry point fails at start (R26): one line on stderr that names the setting or address and
 * what to do, exit code 1, no stack trace unless PALETTE_LOG_LEVEL is debug or trace. Start-up
 * errors are bad input too.
 */
import { StartError } from './cli.js';
import { ConfigError } from './config.js';

interface SystemError {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
}

/** The one line a user sees for an error that stopped a start. */
export function describeStartError(error: unknown): string {
  if (error instanceof StartError || error instanceof ConfigError) return firstLine(error.message);
  const e = (error ?? {}) as SystemError;
  if (e.syscall === 'listen' || e.syscall === 'bind') {
    const where = e.port !== undefined ? `port ${e.port}` : 'the port';
    if (e.code === 'EADDRINUSE') return `${where} is in use; set PALETTE_PORT to a free port`;
    if (e.code === 'EACCES') return `${where} needs privileges; set PALETTE_PORT to a port above 1023`;
    if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
      return `cannot listen on ${e.address ?? 'that address'}: not an address of this machine; set PALETTE_HOST`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `${firstLine(message)} (PALETTE_LOG_LEVEL=debug shows the stack)`;
}

const firstLine = (text: string): string => text.split('\n')[0]!.trim();

/** Whether to print the stack too: only when asked for with PALETTE_LOG_LEVEL=debug (or trace). */
export function wantsStack(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PALETTE_LOG_LEVEL === 'debug' || env.PALETTE_LOG_LEVEL === 'trace';
}

/** The text to print for a failed start: the line, then the stack when debugging. */
export function startFailureText(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const line = describeStartError(error);
  const stack = wantsStack(env) && error instanceof Error && error.stack ? `\n${error.stack}` : '';
  return `${line}${stack}\n`;
}

/**
 * Runs an entry point's `main`: a failure prints `<name>: <one line>` and exits 1. `main` returning
 * leaves the process to its servers and signal handlers (or to exit by itself when nothing is left).
 */
export function runMain(name: string, main: () => Promise<unknown>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${name}: ${startFailureText(error)}`);
    process.exit(1);
  });
}
