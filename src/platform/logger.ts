/**
 * The entry points' loggers (R26): pretty lines when stdout is a terminal (pino's own pretty
 * transport, `pino-pretty`), JSON lines otherwise (a pipe, a file, a container's log). When
 * pino-pretty is not installed, a terminal gets JSON too rather than a failed start.
 */
import { createRequire } from 'node:module';
import { pino, type LevelWithSilent, type Logger } from 'pino';

export type LogFormat = 'pretty' | 'json';

/** Pretty only for a person at a terminal, and only when the transport can be loaded. */
export function logFormat(stdoutIsTerminal: boolean, prettyInstalled: boolean): LogFormat {
  return stdoutIsTerminal && prettyInstalled ? 'pretty' : 'json';
}

const require = createRequire(import.meta.url);

/** Whether `pino-pretty` resolves from here (a dependency, but a trimmed install may lack it). */
export function prettyTransportInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** A pino logger named `name`, writing to stdout in the format `logFormat` picks for this process. */
export function createLogger(name: string, level: LevelWithSilent): Logger {
  const format = logFormat(Boolean(process.stdout.isTTY), prettyTransportInstalled());
  if (format === 'pretty') {
    return pino({
      name,
      level,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', destination: 1 },
      },
    });
  }
  return pino({ name, level });
}
