/** `npm start`'s command line: `--kafka`, `--replicas N`, `--help`; anything else is refused in one line. */
export const startUsage = `usage: npm start -- [--kafka] [--replicas N]
  --kafka         run over the project's own Kafka broker (unless KAFKA_BROKERS is set)
  --replicas N    N controller replicas (implies --kafka): palette0 … palette<N-1> on PALETTE_PORT + i,
                  each taking 1/N of every invoker's capacity
  --help          this text
Configuration: environment variables (README, "Configuration").`;

export interface StartOptions {
  kafka: boolean;
  replicas: number;
}

/** Parses the command line; answers a one-line error for anything it does not know. */
export function parseStartArgs(args: readonly string[]): StartOptions | { help: true } | { error: string } {
  const options: StartOptions = { kafka: false, replicas: 1 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--kafka') {
      options.kafka = true;
      continue;
    }
    if (arg === '--replicas' || arg.startsWith('--replicas=')) {
      const value = arg === '--replicas' ? args[++i] : arg.slice('--replicas='.length);
      const n = Number(value);
      if (value === undefined || !/^\d+$/.test(value) || n < 1 || n > 16)
        return {
          error: `--replicas takes a number of controllers from 1 to 16, not ${JSON.stringify(value ?? '')}`,
        };
      options.replicas = n;
      options.kafka = true;
      continue;
    }
    return { error: `unknown option '${arg}' (see --help)` };
  }
  return options;
}
