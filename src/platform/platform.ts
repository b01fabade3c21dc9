/**
 * The whole platform in one call: CouchDB (embedded pouchdb-server unless COUCHDB_URL is set), the
 * message bus (Kafka when brokers are configured or the project's broker is asked for, otherwise
 * in-process), the controller core, the REST API and N invokers. With Kafka every invoker runs as
 * its own OS process (so tests can kill one); with the in-process bus they live in this process.
 * `npm start` (start.ts), the end-to-end tests and the benchmarks all start the platform here.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Controller } from '../controller/controller.js';
import type { ControllerMetrics } from '../controller/metrics.js';
import type { StageMetrics } from '../controller/stage-timing.js';
import type { MessageBus } from '../messaging/index.js';
import { connectCouch, seedCatalog, wellKnownAuth, type Stores } from '../store/index.js';
import { couchOptionsFrom, loadConfig, type Config } from './config.js';
import { createControllerStack } from './controller-stack.js';
import { StartError } from './cli.js';
import { waitForCouch, waitForKafka } from './dependencies.js';
import { couchForConfig } from './embedded-couch.js';
import { createInvoker, type WiredInvoker } from './invoker-stack.js';
import { invokerStageMetrics } from '../invoker/index.js';
import { KafkaScriptError, startProjectKafka, type ProjectKafkaBroker } from './kafka-broker.js';
import { assertPortFree, listen } from './listen.js';
import { createLogger } from './logger.js';
import { sleep } from '../retry/backoff.js';

export interface PlatformOptions {
  /** Environment to read the configuration from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Configuration values that win over the environment (tests use port 0, a topic prefix, ...). */
  overrides?: Partial<Config>;
  /** Start the project's own Kafka broker (`npm start -- --kafka`) when KAFKA_BROKERS is unset. */
  projectKafka?: boolean;
  /** Run invokers as OS processes; default: yes with Kafka, no with the in-process bus. */
  invokerProcesses?: boolean;
  /** Extra options for in-process invokers (tests shorten idle eviction, ...). */
  idleContainerMs?: number;
  /** Start no invokers (a controller beside real OpenWhisk invokers). */
  noInvokers?: boolean;
  logger?: Logger;
}

export interface RunningInvoker {
  readonly id: number;
  /** The OS process, when invokers run as processes. */
  readonly process?: ChildProcess;
  stop(): Promise<void>;
}

export interface Platform {
  readonly config: Config;
  /** `http://127.0.0.1:<port>` */
  readonly apiHost: string;
  /** The guest key `uuid:key`, as `wsk --auth` takes it. */
  readonly authKey: string;
  readonly controller: Controller;
  readonly stores: Stores;
  readonly bus: MessageBus;
  readonly couchUrl: string;
  readonly invokers: Map<number, RunningInvoker>;
  readonly metrics: ControllerMetrics;
  /** palette_stage_seconds (the bench reads raw samples through `onRequest`). */
  readonly stages: StageMetrics;
  /** Starts one more invoker with this id (tests: an invoker joins). */
  startInvoker(id: number): Promise<RunningInvoker>;
  /** Waits until `count` invokers are healthy in the controller's eyes. */
  waitForHealthyInvokers(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const invokerMainPath = (): { script: string; execArgv: string[] } => {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    return { script: here.replace(/platform\.ts$/, 'invoker-main.ts'), execArgv: ['--import', 'tsx'] };
  }
  return { script: here.replace(/platform\.js$/, 'invoker-main.js'), execArgv: [] };
};

/** The last line a failed script printed (its own diagnosis), for a one-line start error. */
function lastLine(error: unknown): string {
  const text =
    error instanceof KafkaScriptError ? error.output : error instanceof Error ? error.message : String(error);
  return text
    .trim()
    .split('\n')
    .pop()!
    .replace(/^kafka: /, '');
}

export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  let config = loadConfig(options.env ?? process.env, options.overrides ?? {});
  const logger = options.logger ?? createLogger('palette', config.logLevel);
  const connectTimeoutMs = config.connectTimeoutSeconds * 1000;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse())
      await fn().catch((e: unknown) => logger.warn({ err: String(e) }, 'stop step failed'));
  };
  try {
    await assertPortFree(config.port, config.host);
    let broker: ProjectKafkaBroker | undefined;
    if (!config.kafkaBrokers?.length && options.projectKafka) {
      broker = await startProjectKafka().catch((error: unknown) => {
        throw new StartError(
          `the project's Kafka broker did not start (${lastLine(error)}); set KAFKA_BROKERS or see scripts/kafka.sh`,
          { cause: error },
        );
      });
      config = { ...config, kafkaBrokers: broker.brokers };
      cleanups.push(() => broker!.stop());
    }
    const kafka = Boolean(config.kafkaBrokers?.length);
    if (kafka && !broker) await waitForKafka(config.kafkaBrokers!, connectTimeoutMs);
    if (config.couchdbUrl) {
      const { couchdbUrl: url, couchdbUser: user, couchdbPassword: password } = config;
      await waitForCouch({ url, user, password, setting: 'COUCHDB_URL' }, connectTimeoutMs);
    }

    const couchServer = await couchForConfig(config);
    cleanups.push(() => couchServer.stop());
    const couch = await connectCouch(couchOptionsFrom(config, couchServer.url));
    const stack = createControllerStack(config, couch, logger);
    const { stores, bus, controller, metrics, app } = stack;
    cleanups.push(() => stack.close());
    await stores.subjects.seedWellKnown();
    await seedCatalog(stores, { logger });
    await stack.startTable();
    const server: Server = await listen(app, config.port, config.host);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as AddressInfo).port;
    config = { ...config, port };
    await controller.start();

    const invokers = new Map<number, RunningInvoker>();
    const processes = options.invokerProcesses ?? kafka;
    if (processes && !kafka)
      throw new Error('invoker processes need Kafka: set KAFKA_BROKERS or use --kafka');
    const remoteStoreUrl = couchServer.url.replace(/\/$/, '');

    // In-process invokers report their stages in the controller's registry (R13).
    const invokerStages = processes ? undefined : invokerStageMetrics(metrics.registry);
    const startInvoker = async (id: number): Promise<RunningInvoker> => {
      const name = `palette-invoker-${id}`;
      let running: RunningInvoker;
      if (processes) {
        const { script, execArgv } = invokerMainPath();
        if (!existsSync(script)) throw new Error(`invoker entrypoint missing: ${script}`);
        const child = fork(script, [], {
          execArgv,
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: {
            ...process.env,
            PALETTE_INVOKER_ID: String(id),
            PALETTE_INVOKER_NAME: name,
            PALETTE_INVOKER_MEMORY_MB: String(config.invokerUserMemoryMB),
            KAFKA_BROKERS: config.kafkaBrokers!.join(','),
            KAFKA_TOPIC_PREFIX: config.kafkaTopicPrefix,
            COUCHDB_URL: couchServer.url,
            DB_PREFIX: config.dbPrefix,
            PALETTE_PORT: String(port),
            PALETTE_LOG_LEVEL: config.logLevel,
            // One port per invoker process: the configured one plus the invoker's number.
            ...(config.invokerMetricsPort !== undefined
              ? { PALETTE_INVOKER_METRICS_PORT: String(config.invokerMetricsPort + id) }
              : {}),
            ...(config.couchdbUser ? { COUCHDB_USER: config.couchdbUser } : {}),
            ...(config.couchdbPassword ? { COUCHDB_PASSWORD: config.couchdbPassword } : {}),
          },
        });
        await new Promise<void>((resolve, reject) => {
          const onExit = (code: number | null) =>
            reject(
              new StartError(
                `invoker ${id} exited with ${code} before it was ready (its own line above says why)`,
              ),
            );
          child.once('exit', onExit);
          child.on('message', (m: { ready?: boolean }) => {
            if (m?.ready) {
              child.off('exit', onExit);
              resolve();
            }
          });
        });
        running = {
          id,
          process: child,
          stop: () =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        };
      } else {
        const wired: WiredInvoker = createInvoker({
          id,
          name,
          userMemoryMB: config.invokerUserMemoryMB,
          bus,
          couch,
          remoteStoreUrl,
          apiHost: `http://127.0.0.1:${port}`,
          logger,
          writeQueueMax: config.writeQueueMax,
          ...(invokerStages ? { stages: invokerStages } : {}),
          ...(options.idleContainerMs !== undefined
            ? { overrides: { idleContainerMs: options.idleContainerMs } }
            : {}),
        });
        await wired.invoker.start();
        running = { id, stop: () => wired.stop() };
      }
      invokers.set(id, running);
      return running;
    };
    cleanups.push(async () => {
      await Promise.all([...invokers.values()].map((i) => i.stop()));
    });
    if (!options.noInvokers) {
      await Promise.all(Array.from({ length: config.invokers }, (_, id) => startInvoker(id)));
    }

    return {
      config,
      apiHost: `http://127.0.0.1:${port}`,
      authKey: wellKnownAuth.guest,
      controller,
      stores,
      bus,
      couchUrl: couchServer.url,
      invokers,
      metrics,
      stages: stack.stages,
      startInvoker,
      waitForHealthyInvokers: async (count, timeoutMs = 60_000) => {
        const deadline = Date.now() + timeoutMs;
        while (controller.invokerHealth().filter((i) => i.status === 'healthy').length < count) {
          if (Date.now() > deadline) {
            throw new Error(`only ${JSON.stringify(controller.invokerHealth())} after ${timeoutMs} ms`);
          }
          await sleep(100);
        }
      },
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
