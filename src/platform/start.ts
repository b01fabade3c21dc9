/**
 * `npm start`: the embedded platform on one machine. Prints the line that points the real `wsk`
 * CLI at it; Ctrl-C stops everything cleanly. `--kafka` starts the project's own Kafka broker
 * (as `npm run kafka:up` does) when KAFKA_BROKERS is not set.
 */
import { commandLine } from './cli.js';
import { startPlatform } from './platform.js';
import { runMain } from './start-errors.js';

const usage = `npm start [-- --kafka]
  The embedded platform on one machine: controller, REST API on PALETTE_HOST:PALETTE_PORT
  (default 127.0.0.1:3233), CouchDB (embedded pouchdb-server unless COUCHDB_URL is set) and
  PALETTE_INVOKERS invokers (default 4). Every setting is an environment variable (README,
  "Configuration").
  --kafka   start the project's own Kafka broker (as npm run kafka:up) when KAFKA_BROKERS is not
            set; invokers then run as their own processes
  --help    this text`;

async function main(): Promise<void> {
  const args = commandLine({
    name: 'npm start',
    usage,
    options: { kafka: { type: 'boolean', default: false } },
  });
  const platform = await startPlatform({ projectKafka: args.kafka });
  await platform.waitForHealthyInvokers(platform.config.invokers, 120_000);
  const { config } = platform;
  const bus = config.kafkaBrokers?.length ? `Kafka ${config.kafkaBrokers.join(',')}` : 'in-process bus';
  process.stdout.write(
    [
      `Palette for OpenWhisk is up: controller ${config.controllerId}, ${platform.invokers.size} invokers, ${bus}, CouchDB ${platform.couchUrl}`,
      `policy ${config.policy} (bound ${config.bound}), baseline ${config.baseline}`,
      '',
      'Point the OpenWhisk CLI at it:',
      `  wsk property set --apihost ${platform.apiHost} --auth ${platform.authKey}`,
      '  wsk action create hello actions/hello.js',
      '  wsk action invoke hello -p __palette_color post-42 -r',
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`\n${signal}: stopping...\n`);
    platform.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`unclean stop: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

runMain('npm start', main);
