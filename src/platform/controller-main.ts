/**
 * One Palette controller replica as its own process (`node dist/platform/controller-main.js`, the
 * controller image's entrypoint): the REST API and the controller core, no invokers. It answers
 * `/ping` at once and `/ready` only once Kafka and CouchDB are connected, so Kubernetes probes
 * behave while the cluster's services start. Configuration from the environment (README).
 */
import type { AddressInfo } from 'node:net';
import { openCouch, connectCouch } from '../store/couch.js';
import { seedCatalog } from '../store/catalog.js';
import { commandLine } from './cli.js';
import { ConfigError, couchOptionsFrom, loadConfig } from './config.js';
import { createControllerStack } from './controller-stack.js';
import { waitForCouch, waitForKafka } from './dependencies.js';
import { listen } from './listen.js';
import { createLogger } from './logger.js';
import { runMain, startFailureText } from './start-errors.js';
import { backoffPause, sleep } from '../retry/backoff.js';

const usage = `controller-main (node dist/platform/controller-main.js)
  One Palette controller replica: the REST API and the controller core, no invokers. Needs
  COUCHDB_URL and KAFKA_BROKERS; every setting is an environment variable (README, "Configuration").
  Answers /ping at once and /ready once CouchDB and Kafka are connected; exits with one line when
  they do not answer within PALETTE_CONNECT_TIMEOUT_S.
  --help    this text`;

async function main(): Promise<void> {
  commandLine({ name: 'controller-main', usage, options: {} });
  const config = loadConfig();
  const logger = createLogger(`controller${config.controllerId}`, config.logLevel);
  if (!config.couchdbUrl)
    throw new ConfigError('invalid configuration: COUCHDB_URL is required to run a controller process');
  if (!config.kafkaBrokers?.length)
    throw new ConfigError('invalid configuration: KAFKA_BROKERS is required to run a controller process');
  const couchOptions = couchOptionsFrom(config);
  const stack = createControllerStack(config, openCouch(couchOptions), logger);
  const server = await listen(stack.app, config.port, config.host);
  logger.info({ port: (server.address() as AddressInfo).port }, 'controller API listening');

  let stopping = false;
  const connect = async () => {
    // Bounded: a wrong address is answered in one line rather than retried for ever (R26).
    const timeoutMs = config.connectTimeoutSeconds * 1000;
    try {
      await waitForKafka(config.kafkaBrokers!, timeoutMs);
      await waitForCouch({ ...couchOptions, setting: 'COUCHDB_URL' }, timeoutMs);
    } catch (error) {
      process.stderr.write(`controller-main: ${startFailureText(error)}`);
      process.exit(1);
    }
    for (let attempt = 0; !stopping; attempt++) {
      try {
        await connectCouch(couchOptions);
        await stack.stores.subjects.seedWellKnown();
        await seedCatalog(stack.stores, { logger });
        await stack.startTable();
        await stack.controller.start();
        logger.info('controller ready');
        return;
      } catch (error) {
        logger.warn({ err: String(error), attempt }, 'Kafka or CouchDB not reachable yet; retrying');
        await sleep(backoffPause(attempt, { firstMs: 500, maxMs: 10_000 }));
      }
    }
  };
  void connect();

  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.closeAllConnections();
    server.close();
    stack.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: String(error) }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // Forked with an IPC channel (`npm start -- --replicas N`, the fault tests): stop with the parent,
  // even when it is SIGKILLed, rather than run on as an orphan.
  if (process.send) {
    if (!process.connected) shutdown('parent gone');
    process.on('disconnect', () => shutdown('parent gone'));
  }
}

runMain('controller-main', main);
