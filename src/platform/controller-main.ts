/**
 * One Palette controller replica as its own process (`node dist/platform/controller-main.js`, the
 * controller image's entrypoint): the REST API and the controller core, no invokers. It answers
 * `/ping` at once and `/ready` only once Kafka and CouchDB are connected, so Kubernetes probes
 * behave while the cluster's services start. Configuration from the environment (README).
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { openCouch, connectCouch } from '../store/couch.js';
import { seedCatalog } from '../store/catalog.js';
import { couchOptionsFrom, loadConfig } from './config.js';
import { createControllerStack } from './controller-stack.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ name: `controller${config.controllerId}`, level: config.logLevel });
  if (!config.couchdbUrl)
    throw new Error('invalid configuration: COUCHDB_URL is required to run a controller process');
  if (!config.kafkaBrokers?.length)
    throw new Error('invalid configuration: KAFKA_BROKERS is required to run a controller process');
  const couchOptions = couchOptionsFrom(config);
  const stack = createControllerStack(config, openCouch(couchOptions), logger);
  const server = stack.app.listen(config.port, config.host);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  logger.info({ port: (server.address() as AddressInfo).port }, 'controller API listening');

  let stopping = false;
  const connect = async () => {
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
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** Math.min(attempt, 5))));
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

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
