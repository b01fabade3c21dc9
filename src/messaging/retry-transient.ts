/**
 * Waiting out transient broker answers: a broker that has just created a topic may not host its
 * partition for a few seconds, a group coordinator may still be loading. kafkajs marks such answers
 * retriable; anything else fails at once.
 */
import type { Logger } from 'pino';
import { backoffPause, sleep } from '../retry/backoff.js';

/** Retries of an operation that failed with a retriable broker error (about 25 s in all). */
const TRANSIENT_RETRIES = 15;

/** kafkajs marks transient broker answers (a partition without a leader yet, a coordinator loading). */
function isRetriable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}

/**
 * Runs `once` again while it fails with a retriable broker error (about 25 s in all), with a
 * doubling pause capped at 2 s; gives up at once when `isClosed` says the bus was closed.
 */
export async function retryTransient<T>(
  once: () => Promise<T>,
  isClosed: () => boolean,
  logger: Logger,
  topic: string,
  what: string,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await once();
    } catch (err) {
      if (isClosed() || attempt >= TRANSIENT_RETRIES || !isRetriable(err)) throw err;
      logger.warn({ err, topic, attempt }, what);
      await sleep(backoffPause(attempt, { firstMs: 100, maxMs: 2_000 }));
    }
  }
}
