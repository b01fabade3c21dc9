/**
 * Global-setup half for Kafka: starts the project's own broker (scripts/kafka.sh, as
 * `npm run kafka:up` does) on a test port with fresh storage, and exports KAFKA_BROKERS to the
 * test workers through process.env. A KAFKA_BROKERS already set (an existing cluster) is used as
 * is. Test files sharing the broker isolate themselves with their own topic prefix (see
 * test/integration/kafka/support.ts).
 */
import { startProjectKafka, type ProjectKafkaBroker } from '../../src/platform/kafka-broker.js';

/**
 * Test broker ports: away from a development broker on 9092/9093. PALETTE_TEST_KAFKA_PORT moves
 * them (the controller listener takes the next port), so two checkouts can run their suites at once.
 */
export const TEST_KAFKA_PORT = Number(process.env.PALETTE_TEST_KAFKA_PORT ?? 19092);
export const TEST_KAFKA_CONTROLLER_PORT = TEST_KAFKA_PORT + 1;

let broker: ProjectKafkaBroker | undefined;

export async function startKafkaForTests(): Promise<void> {
  if (process.env.KAFKA_BROKERS) return;
  broker = await startProjectKafka({
    port: TEST_KAFKA_PORT,
    controllerPort: TEST_KAFKA_CONTROLLER_PORT,
    reset: true,
  });
  process.env.KAFKA_BROKERS = broker.brokers.join(',');
}

export async function stopKafkaForTests(): Promise<void> {
  await broker?.stop();
  broker = undefined;
}
