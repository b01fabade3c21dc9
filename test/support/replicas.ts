/**
 * Controller replicas as real processes for tests (DECISIONS R14: every test that needs replicas
 * starts them here). Controllers `palette0 … palette<N-1>`, each its own `controller-main` process
 * on its own port with PALETTE_CONTROLLER_REPLICAS=N (each takes 1/N of every invoker's capacity,
 * as OpenWhisk's clusterSize), and invoker processes, all on the global setup's Kafka and
 * pouchdb-server under a prefix of the test's own.
 */
import { uniquePrefix } from './platform.js';
import {
  freePort,
  sharedEnv,
  startController,
  startInvokerProcess,
  waitUntil,
  type PaletteProcess,
} from './processes.js';

export interface ReplicaController {
  /** `palette<i>` */
  readonly id: string;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly process: PaletteProcess;
}

export interface Replicas {
  readonly controllers: readonly ReplicaController[];
  readonly invokers: readonly PaletteProcess[];
  /** KAFKA_*, COUCHDB_URL and DB_PREFIX shared by every process. */
  readonly env: Readonly<Record<string, string>>;
  /** `<COUCHDB_URL>/<DB_PREFIX><name>`, for reading a database directly. */
  dbUrl(name: string): string;
  stop(): Promise<void>;
}

export interface ReplicaOptions {
  /** Names the topic and database prefix. */
  readonly name: string;
  readonly replicas: number;
  readonly invokers: number;
  /** Extra environment for the controllers (PALETTE_POLICY, ...). */
  readonly controllerEnv?: Record<string, string>;
  readonly invokerMemoryMB?: number;
  readonly readyTimeoutMs?: number;
}

const started = new Set<PaletteProcess>();

/**
 * Kills every process `startReplicas` started in this worker, also those of a call that has not
 * returned (a hook that timed out): call it from `afterAll`.
 */
export async function stopStartedReplicas(): Promise<void> {
  const all = [...started];
  started.clear();
  await Promise.all(all.map((p) => p.kill()));
}

/** Starts the replicas and invokers; resolves when every controller is ready and sees every invoker healthy. */
export async function startReplicas(options: ReplicaOptions): Promise<Replicas> {
  const env = sharedEnv(uniquePrefix(options.name));
  const ports = await Promise.all(Array.from({ length: options.replicas }, () => freePort()));
  const controllers: ReplicaController[] = ports.map((port, i) => ({
    id: `palette${i}`,
    base: `http://127.0.0.1:${port}`,
    process: startController({
      ...env,
      ...options.controllerEnv,
      PALETTE_CONTROLLER_ID: `palette${i}`,
      PALETTE_PORT: String(port),
      PALETTE_CONTROLLER_REPLICAS: String(options.replicas),
    }),
  }));
  for (const c of controllers) started.add(c.process);
  const timeout = options.readyTimeoutMs ?? 90_000;
  const invokers: PaletteProcess[] = [];
  const stop = async () => {
    await Promise.all([...controllers.map((c) => c.process), ...invokers].map((p) => p.kill()));
  };
  /** A process that exited while we wait fails the start at once, naming it. */
  const alive = () => {
    const dead = [...controllers.map((c) => c.process), ...invokers].find(
      (p) => p.child.exitCode !== null || p.child.signalCode !== null,
    );
    if (dead)
      throw new Error(
        `a replica or invoker process exited while starting (${dead.child.spawnargs.join(' ')})`,
      );
  };
  const until = (probe: () => Promise<boolean>, what: string) =>
    waitUntil(
      async () => {
        alive();
        return probe();
      },
      timeout,
      what,
    );
  try {
    // Controllers first: they create the topics, so the invokers start on a broker that has them.
    await Promise.all(
      controllers.map((c) =>
        until(async () => (await fetch(`${c.base}/ready`)).status === 200, `${c.id} ready`),
      ),
    );
    for (let id = 0; id < options.invokers; id++) {
      const invoker = startInvokerProcess(id, {
        ...env,
        PALETTE_PORT: String(ports[0]),
        ...(options.invokerMemoryMB ? { PALETTE_INVOKER_MEMORY_MB: String(options.invokerMemoryMB) } : {}),
      });
      invokers.push(invoker);
      started.add(invoker);
    }
    await Promise.all(
      controllers.map((c) =>
        until(
          async () =>
            Number(await (await fetch(`${c.base}/invokers/healthy/count`)).json()) === options.invokers,
          `${c.id} sees ${options.invokers} healthy invokers`,
        ),
      ),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    controllers,
    invokers,
    env,
    dbUrl: (name) => `${env.COUCHDB_URL!.replace(/\/$/, '')}/${env.DB_PREFIX}${name}`,
    stop,
  };
}
