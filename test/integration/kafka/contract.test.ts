import { KafkaBus } from '../../../src/messaging/kafka-bus.js';
import { describeBusContract } from '../../unit/messaging/bus-contract.js';
import { kafkaBrokers, testLogger, uniqueTopicPrefix } from './support.js';

// The same contract the Lean bus passes, against the real broker.
const topicPrefix = uniqueTopicPrefix('contract');
describeBusContract(
  'Kafka',
  () => new KafkaBus({ brokers: kafkaBrokers(), topicPrefix, logger: testLogger() }),
  { timeoutMs: 30_000 },
);
