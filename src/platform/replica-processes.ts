/**
 * `npm start -- --replicas N` (R14): the platform's own controller is `palette0`; this starts
 * `palette1 … palette<N-1>` as `controller-main` processes on PALETTE_PORT + i, on the same Kafka
 * and CouchDB, each with PALETTE_CONTROLLER_REPLICAS=N (so each takes 1/N of every invoker's
 * capacity, as OpenWhisk's clusterSize). Each is forked with an IPC channel and dies with us.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import { sleep } from '../retry/backoff.js';

export interface ReplicaProcess {
  readonly id: string;
  readonly port: number;
  readonly apiHost: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const controllerMainPath = (): { script: string; execArgv: string[] } => {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts'))
    return {
      script: here.replace(/replica-processes\.ts$/, 'controller-main.ts'),
      execArgv: ['--import', 'tsx'],
    };
  return { script: here.replace(/replica-processes\.js$/, 'controller-main.js'), execArgv: [] };
};

/** The controller id of replica `i`: `palette<i>` (never an id OpenWhisk's controllers use). */
export const replicaId = (i: number): string => `palette${i}`;

/** Starts replica `index` (1..N-1) of `replicas`; resolves once its `/ready` answers 200. */
export async function startReplicaProcess(
  index: number,
  replicas: number,
  config: Config,
  couchUrl: string,
  basePort: number,
  timeoutMs = 120_000,
): Promise<ReplicaProcess> {
  const { script, execArgv } = controllerMainPath();
  if (!existsSync(script)) throw new Error(`controller entrypoint missing: ${script}`);
  const port = basePort + index;
  const id = replicaId(index);
  const child = fork(script, [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      PALETTE_CONTROLLER_ID: id,
      PALETTE_PORT: String(port),
      PALETTE_HOST: config.host,
      PALETTE_CONTROLLER_REPLICAS: String(replicas),
      PALETTE_POLICY: config.policy,
      PALETTE_BASELINE: config.baseline,
      KAFKA_BROKERS: config.kafkaBrokers!.join(','),
      KAFKA_TOPIC_PREFIX: config.kafkaTopicPrefix,
      COUCHDB_URL: couchUrl,
      DB_PREFIX: config.dbPrefix,
      PALETTE_LOG_LEVEL: config.logLevel,
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const apiHost = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `controller ${id} exited with ${child.exitCode ?? child.signalCode} before it was ready`,
      );
    const ready = await fetch(`${apiHost}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`controller ${id} not ready within ${timeoutMs} ms`);
    }
    await sleep(200);
  }
  return { id, port, apiHost, process: child, stop };
}
