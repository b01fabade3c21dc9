/**
 * Reads everything a topic holds so far with a client that shares no code with ours: kcat (Debian)
 * when installed, otherwise Kafka's own ConsoleConsumer from the broker's Maven jars.
 */
import { execFile, execFileSync } from 'node:child_process';
import { kafkaToolsClasspath } from '../../src/platform/kafka-broker.js';

function brokers(): string {
  const value = process.env.KAFKA_BROKERS;
  if (!value) throw new Error('KAFKA_BROKERS is not set (the integration global setup sets it)');
  return value;
}

function hasKcat(): boolean {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(command: string, args: string[], timeoutMs: number, acceptNonZero = false): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && !(acceptNonZero && typeof error.code === 'number')) {
        reject(new Error(`${command} failed: ${error.message}\n${stderr}`));
      } else resolve(stdout);
    });
  });
}

/** Every message value on `topic`, oldest first (one JSON document per line). */
export async function captureTopic(topic: string): Promise<string[]> {
  let out: string;
  if (hasKcat()) {
    out = await run(
      'kcat',
      ['-C', '-b', brokers(), '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'],
      60_000,
    );
  } else {
    const classpath = await kafkaToolsClasspath();
    out = await run(
      'java',
      [
        '-Xmx256m',
        '-cp',
        classpath,
        'org.apache.kafka.tools.consumer.ConsoleConsumer',
        '--bootstrap-server',
        brokers(),
        '--topic',
        topic,
        '--from-beginning',
        '--timeout-ms',
        '8000',
      ],
      90_000,
      true, // ConsoleConsumer exits non-zero on its idle timeout; its output is complete
    );
  }
  return out.split('\n').filter((line) => line.trim().startsWith('{'));
}

export const independentClient = (): string => (hasKcat() ? 'kcat' : 'Kafka ConsoleConsumer');
