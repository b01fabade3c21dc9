/**
 * `npm start`: the embedded platform on one machine. Prints the line that points the real `wsk`
 * CLI at it; Ctrl-C stops everything cleanly. `--kafka` starts the project's own Kafka broker
 * (as `npm run kafka:up` does) when KAFKA_BROKERS is not set. `--replicas N` (implies `--kafka`)
 * runs N controllers, palette0 … palette<N-1> on PALETTE_PORT + i (R14).
 */
import { startPlatform } from './platform.js';
import { runMain } from './start-errors.js';
import { replicaId, startReplicaProcess, type ReplicaProcess } from './replica-processes.js';
import { parseStartArgs, startUsage } from './start-args.js';

async function main(): Promise<void> {
  const parsed = parseStartArgs(process.argv.slice(2));
  if ('help' in parsed) {
    process.stdout.write(`${startUsage}\n`);
    return;
  }
  if ('error' in parsed) {
    process.stderr.write(`npm start: ${parsed.error}\n`);
    process.exit(1);
  }
  const { replicas } = parsed;
  const platform = await startPlatform({
    projectKafka: parsed.kafka,
    ...(replicas > 1 ? { overrides: { controllerReplicas: replicas, controllerId: replicaId(0) } } : {}),
  });
  const others: ReplicaProcess[] = [];
  try {
    for (let i = 1; i < replicas; i++)
      others.push(
        await startReplicaProcess(i, replicas, platform.config, platform.couchUrl, platform.config.port),
      );
    await platform.waitForHealthyInvokers(platform.config.invokers, 120_000);
  } catch (error) {
    await Promise.all(others.map((r) => r.stop()));
    await platform.stop();
    throw error;
  }
  const { config } = platform;
  const bus = config.kafkaBrokers?.length ? `Kafka ${config.kafkaBrokers.join(',')}` : 'in-process bus';
  const controllers =
    replicas > 1
      ? `${replicas} controllers (${[config.controllerId, ...others.map((r) => r.id)].join(', ')})`
      : `controller ${config.controllerId}`;
  process.stdout.write(
    [
      `Palette for OpenWhisk is up: ${controllers}, ${platform.invokers.size} invokers, ${bus}, CouchDB ${platform.couchUrl}`,
      `policy ${config.policy} (bound ${config.bound}), baseline ${config.baseline}`,
      '',
      replicas > 1 ? 'Point the OpenWhisk CLI at any of them:' : 'Point the OpenWhisk CLI at it:',
      `  wsk property set --apihost ${platform.apiHost} --auth ${platform.authKey}${replicas > 1 ? `   # ${config.controllerId}` : ''}`,
      ...others.map(
        (r) => `  wsk property set --apihost ${r.apiHost} --auth ${platform.authKey}   # ${r.id}`,
      ),
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
    Promise.all(others.map((r) => r.stop()))
      .then(() => platform.stop())
      .then(
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
