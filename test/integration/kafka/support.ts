/**
 * Helpers for suites that share the test broker started by test/setup/kafka.ts: a topic prefix of
 * their own (DECISIONS.md: parallel files never read each other's messages), and independent
 * clients to read topics back with, kcat (Debian's package) or Kafka's own ConsoleConsumer.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { kafkaToolsClasspath } from '../../../src/platform/kafka-broker.js';

export function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: the integration global setup starts the broker');
  return brokers.split(',');
}

export function uniqueTopicPrefix(fileTag: string): string {
  return `t-${fileTag}-${randomBytes(4).toString('hex')}-`;
}

export function testLogger(): Logger {
  return pino({ level: process.env.PALETTE_LOG_LEVEL ?? 'warn' });
}

export interface ReadRecord {
  /** null when the record has a null key. */
  readonly key: Buffer | null;
  readonly value: Buffer;
}

export function hasKcat(): boolean {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[], timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} failed: ${error.message}\n${stderr.toString()}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * Reads `count` records from the start of `topic` with kcat. The format prints key length (-1 for
 * a null key), key, value length and value, so values are compared as raw bytes.
 */
export async function readWithKcat(topic: string, count: number, timeoutMs = 30_000): Promise<ReadRecord[]> {
  const out = await run(
    'kcat',
    [
      '-C',
      '-b',
      kafkaBrokers().join(','),
      '-t',
      topic,
      '-o',
      'beginning',
      '-c',
      String(count),
      '-q',
      '-f',
      '%K|%k|%S|%s',
    ],
    timeoutMs,
  );
  const records: ReadRecord[] = [];
  let pos = 0;
  const field = (): string => {
    const bar = out.indexOf(0x7c, pos);
    if (bar < 0) throw new Error(`unexpected kcat output at byte ${pos}`);
    const text = out.subarray(pos, bar).toString('latin1');
    pos = bar + 1;
    return text;
  };
  while (pos < out.length) {
    const keyLength = Number(field());
    const key = keyLength < 0 ? null : out.subarray(pos, pos + keyLength);
    pos += Math.max(keyLength, 0) + 1; // key bytes (kcat prints nothing for null) and its '|'
    const valueLength = Number(field());
    const value = out.subarray(pos, pos + valueLength);
    pos += valueLength;
    records.push({ key, value: Buffer.from(value) });
  }
  return records;
}

/**
 * Reads `count` records from the start of `topic` with Kafka's own ConsoleConsumer (kafka-tools
 * jars resolved by scripts/kafka.sh). Prints `key<TAB>value` per line; a null key prints "null".
 */
export async function readWithConsoleConsumer(
  topic: string,
  count: number,
  timeoutMs = 60_000,
): Promise<ReadRecord[]> {
  const classpath = await kafkaToolsClasspath();
  const out = await run(
    'java',
    [
      '-Xmx256m',
      '-cp',
      classpath,
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      '--bootstrap-server',
      kafkaBrokers().join(','),
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      String(count),
      '--timeout-ms',
      String(timeoutMs - 5_000),
      '--property',
      'print.key=true',
      '--property',
      'key.separator=\t',
      '--property',
      'print.value=true',
    ],
    timeoutMs,
  );
  const lines = out
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '');
  return lines.map((line) => {
    const tab = line.indexOf('\t');
    const key = line.slice(0, tab);
    return { key: key === 'null' ? null : Buffer.from(key), value: Buffer.from(line.slice(tab + 1), 'utf8') };
  });
}

/** kcat when installed (scripts/ci-deps.sh), otherwise Kafka's ConsoleConsumer. */
export function readWithIndependentClient(topic: string, count: number): Promise<ReadRecord[]> {
  return hasKcat() ? readWithKcat(topic, count) : readWithConsoleConsumer(topic, count);
}
