/**
 * Routes kafkajs's logs into pino. kafkajs logs some expected, self-healing conditions as errors
 * (the first group join on a fresh broker answers "group coordinator is not available" and is
 * retried; a topic just created has no leader for a moment; ensureTopic on an existing topic).
 * Those go to debug, so a healthy startup prints nothing at the default `warn` level.
 */
import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

const transient = [
  /coordinator is not available/i,
  /no leader for this topic-partition/i,
  /does not host this topic-partition/i,
  /group is rebalancing/i,
  /leadership election/i,
  /not the correct coordinator/i,
  /coordinator is loading/i,
  // CreateTopics for an existing topic; real creation failures reach ensureTopic's caller anyway.
  /topic creation errors/i,
];

/** The kafkajs level that lets through what `logger` would print, so kafkajs skips the rest. */
export function kafkaLogLevelFor(logger: Logger): logLevel {
  switch (logger.level) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      return logLevel.INFO;
    case 'silent':
      return logLevel.NOTHING;
    case 'fatal':
    case 'error':
      return logLevel.ERROR;
    default:
      return logLevel.WARN;
  }
}

export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      if (
        level <= logLevel.WARN &&
        transient.some((re) => re.test(`${message} ${String(extra.error ?? '')}`))
      ) {
        logger.debug(fields, message);
      } else if (level === logLevel.ERROR) {
        logger.error(fields, message);
      } else if (level === logLevel.WARN) {
        logger.warn(fields, message);
      } else if (level === logLevel.INFO) {
        logger.info(fields, message);
      } else {
        logger.debug(fields, message);
      }
    };
}
