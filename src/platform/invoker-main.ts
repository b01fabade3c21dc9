/**
 * One invoker as its own OS process (`tsx src/platform/invoker-main.ts` or
 * `node dist/platform/invoker-main.js`), configured from the environment:
 * PALETTE_INVOKER_ID (required), PALETTE_INVOKER_NAME, PALETTE_INVOKER_MEMORY_MB, KAFKA_BROKERS,
 * KAFKA_TOPIC_PREFIX, COUCHDB_URL (required), COUCHDB_USER, COUCHDB_PASSWORD, DB_PREFIX, PALETTE_PORT
 * (the API its actions may call back), PALETTE_INVOKER_METRICS_PORT (its /metrics; unset = none) and
 * PALETTE_LOG_LEVEL. `npm start` with Kafka runs one per
 * invoker, and the invoker image runs it. SIGTERM or SIGINT stops it cleanly: no new activations,
 * running ones finish (or fail after a grace period), records are written, then it exits; a second
 * signal exits at once.
 */
import { createMessageBus } from '../messaging/index.js';
import { useRuntimesManifest } from '../protocol/index.js';
import { connectCouch } from '../store/couch.js';
import { commandLine } from './cli.js';
import { ConfigError, couchOptionsFrom, loadConfig, messageBusOptions } from './config.js';
import { waitForCouch, waitForKafka } from './dependencies.js';
import { createInvoker } from './invoker-stack.js';
import { invokerStageMetrics } from '../invoker/index.js';
import { Registry, serveInvokerMetrics } from './invoker-metrics-server.js';
import { createLogger } from './logger.js';
import { runMain } from './start-errors.js';

const usage = `invoker-main (node dist/platform/invoker-main.js)
  One Palette invoker. Needs PALETTE_INVOKER_ID, KAFKA_BROKERS and COUCHDB_URL; every setting is
  an environment variable (README, "Configuration"). Exits with one line when CouchDB or Kafka do
  not answer within PALETTE_CONNECT_TIMEOUT_S; SIGTERM stops it cleanly.
  --help    this text`;

/** Set once the invoker exists; until then, a parent gone means there is nothing to stop. */
let stopForParent: (() => void) | undefined;

/**
 * Forked by `npm start` (an IPC channel): if that parent dies, even by SIGKILL, the channel closes
 * and we stop too, rather than run on as an orphan still taking activations. Watched from the first
 * line, so a parent that dies while we start up is noticed as well.
 */
function watchParent(): void {
  if (!process.send) return;
  const parentGone = () => (stopForParent ? stopForParent() : process.exit(0));
  if (!process.connected) parentGone();
  process.on('disconnect', parentGone);
}

async function main(): Promise<void> {
  watchParent();
  commandLine({ name: 'invoker-main', usage, options: {} });
  const config = loadConfig();
  if (config.invokerId === undefined)
    throw new ConfigError('invalid configuration: PALETTE_INVOKER_ID is required');
  const id = config.invokerId;
  // The in-process bus reaches nothing outside this process: a lone invoker needs Kafka.
  if (!config.kafkaBrokers?.length)
    throw new ConfigError('invalid configuration: KAFKA_BROKERS is required to run an invoker process');
  const logger = createLogger(`invoker${id}`, config.logLevel);
  // The images it names when it cannot run a kind (OpenWhisk's ExecManifest.initialize).
  useRuntimesManifest(config.runtimesManifest);
  const couchOptions = couchOptionsFrom(config);

  // CouchDB and Kafka may still be starting (a cluster starts everything at once): wait, bounded.
  const timeoutMs = config.connectTimeoutSeconds * 1000;
  await waitForKafka(config.kafkaBrokers, timeoutMs);
  await waitForCouch({ ...couchOptions, setting: 'COUCHDB_URL' }, timeoutMs);
  const couch = await connectCouch(couchOptions);
  const remoteStoreUrl = new URL(couchOptions.url);
  if (couchOptions.user !== undefined) remoteStoreUrl.username = encodeURIComponent(couchOptions.user);
  if (couchOptions.password !== undefined)
    remoteStoreUrl.password = encodeURIComponent(couchOptions.password);

  const bus = createMessageBus(messageBusOptions(config), {
    logger,
    clientId: config.invokerName ?? `invoker${id}`,
  });
  let stages;
  if (config.invokerMetricsPort !== undefined) {
    const registry = new Registry();
    stages = invokerStageMetrics(registry);
    await serveInvokerMetrics(registry, config.invokerMetricsPort);
  }
  const wired = createInvoker({
    ...(stages ? { stages } : {}),
    id,
    name: config.invokerName,
    userMemoryMB: config.invokerUserMemoryMB,
    bus,
    couch,
    remoteStoreUrl: remoteStoreUrl.toString().replace(/\/$/, ''),
    apiHost: config.apiHost ?? `http://127.0.0.1:${config.port}`,
    logger,
    writeQueueMax: config.writeQueueMax,
  });

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    logger.info({ signal }, 'stopping');
    stopping = (async () => {
      await wired.stop();
      await bus.close();
    })();
    stopping.then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: String(err) }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  stopForParent = () => shutdown('parent gone');

  await wired.invoker.start();
  logger.info(
    {
      id,
      name: config.invokerName,
      userMemoryMB: config.invokerUserMemoryMB,
      kafka: Boolean(config.kafkaBrokers),
    },
    'invoker running',
  );
  // A parent that spawned us with an IPC channel learns that we consume our topic.
  process.send?.({ ready: true, invoker: id });
}

runMain('invoker-main', main);
