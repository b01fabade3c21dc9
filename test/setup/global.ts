/**
 * Vitest global setup for the integration project: starts the real services the suites need and
 * exports their addresses through process.env (inherited by the test workers). Each service lives in
 * its own module beside this one (kafka.ts, couch.ts).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Stop = () => Promise<void>;

async function startIfPresent(module: string, start: string, stop: string): Promise<Stop | undefined> {
  const path = fileURLToPath(new URL(`./${module}.ts`, import.meta.url));
  if (!existsSync(path)) return undefined;
  const mod = (await import(path)) as Record<string, () => Promise<void>>;
  await mod[start]!();
  return mod[stop];
}

export default async function setup(): Promise<Stop> {
  const stops: Stop[] = [];
  const kafka = await startIfPresent('kafka', 'startKafkaForTests', 'stopKafkaForTests');
  if (kafka) stops.push(kafka);
  const couch = await startIfPresent('couch', 'startCouchForTests', 'stopCouchForTests');
  if (couch) stops.push(couch);
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
