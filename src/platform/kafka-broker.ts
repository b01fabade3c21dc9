/**
 * Starts and stops the project's own Kafka broker by running `scripts/kafka.sh`, the same script
 * behind `npm run kafka:up` / `kafka:down` (jars from Maven Central, KRaft storage, pid and log
 * files in the cache folder). Used by `npm start -- --kafka`, the vitest global setup and the
 * Kafka benchmark.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface KafkaBrokerOptions {
  /** Client port; default 9092. The controller listener takes `controllerPort` (default port + 1). */
  readonly port?: number;
  readonly controllerPort?: number;
  /** Cache folder for jars and broker state; default `<project>/.cache/kafka`. */
  readonly cacheDir?: string;
  /** Wipe the broker's data before starting (ignored when it is already running). */
  readonly reset?: boolean;
  readonly startTimeoutSeconds?: number;
}

export interface ProjectKafkaBroker {
  /** `127.0.0.1:<port>`, ready for KAFKA_BROKERS. */
  readonly brokers: string[];
  readonly port: number;
  /** False when the broker was already running before `start` (then `stop` leaves it running). */
  readonly startedHere: boolean;
  stop(): Promise<void>;
}

/** The project root: the nearest ancestor of this module holding scripts/kafka.sh (src/ or dist/src/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'kafka.sh'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('scripts/kafka.sh not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

function scriptEnv(options: KafkaBrokerOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Only what the caller asked for: the script's own defaults apply otherwise.
  delete env.KAFKA_PORT;
  delete env.KAFKA_CONTROLLER_PORT;
  delete env.KAFKA_RESET;
  if (options.port !== undefined) env.KAFKA_PORT = String(options.port);
  if (options.controllerPort !== undefined) env.KAFKA_CONTROLLER_PORT = String(options.controllerPort);
  if (options.cacheDir !== undefined) env.KAFKA_CACHE_DIR = options.cacheDir;
  if (options.reset) env.KAFKA_RESET = '1';
  if (options.startTimeoutSeconds !== undefined)
    env.KAFKA_START_TIMEOUT_S = String(options.startTimeoutSeconds);
  return env;
}

export class KafkaScriptError extends Error {
  constructor(
    readonly command: string,
    readonly output: string,
  ) {
    super(`scripts/kafka.sh ${command} failed:\n${output.trim()}`);
    this.name = 'KafkaScriptError';
  }
}

/** Runs `scripts/kafka.sh <command>`; resolves with its stdout, rejects with its stderr. */
export function runKafkaScript(command: string, options: KafkaBrokerOptions = {}): Promise<string> {
  const script = join(projectRoot(), 'scripts', 'kafka.sh');
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [script, command],
      { env: scriptEnv(options), maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new KafkaScriptError(command, `${stderr}${stdout}` || error.message));
        else resolve(stdout);
      },
    );
  });
}

/** Starts the broker (or finds it running) and resolves once it accepts connections. */
export async function startProjectKafka(options: KafkaBrokerOptions = {}): Promise<ProjectKafkaBroker> {
  const port = options.port ?? 9092;
  const wasRunning = (await runKafkaScript('up', options)).trim().endsWith('already-up');
  return {
    brokers: [`127.0.0.1:${port}`],
    port,
    startedHere: !wasRunning,
    stop: async () => {
      if (!wasRunning) await stopProjectKafka(options);
    },
  };
}

export async function stopProjectKafka(options: KafkaBrokerOptions = {}): Promise<void> {
  await runKafkaScript('down', options);
}

/** A Java classpath holding Kafka's console tools (ConsoleConsumer), resolved through the script. */
export async function kafkaToolsClasspath(options: KafkaBrokerOptions = {}): Promise<string> {
  return (await runKafkaScript('tools-classpath', options)).trim();
}
