/**
 * Bounded waits for the services an entry point needs at start (R26): CouchDB (COUCHDB_URL) and the
 * Kafka brokers (KAFKA_BROKERS). Each is tried until it answers or PALETTE_CONNECT_TIMEOUT_S has
 * passed (they may be starting alongside us); then a StartError names the setting and what to do.
 */
import { connect } from 'node:net';
import { StartError } from './cli.js';
import { sleep } from '../retry/backoff.js';

export interface CouchProbe {
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  /** The setting that named this URL, for the message (the embedded server has none). */
  readonly setting?: 'COUCHDB_URL';
}

/** The URL without credentials, for messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

const reason = (error: unknown): string => {
  const e = error as { cause?: { code?: string; message?: string }; code?: string; message?: string };
  return e.cause?.code ?? e.code ?? e.cause?.message ?? e.message ?? String(error);
};

/** One try: 'ok', or why not; a refusal of the credentials is final (retrying cannot help). */
async function tryCouch(probe: CouchProbe): Promise<'ok' | { final: boolean; why: string }> {
  const headers: Record<string, string> = {};
  if (probe.user !== undefined)
    headers.authorization = `Basic ${Buffer.from(`${probe.user}:${probe.password ?? ''}`).toString('base64')}`;
  const base = displayUrl(probe.url);
  try {
    const root = await fetch(`${base}/`, { headers, signal: AbortSignal.timeout(2_000) });
    await root.arrayBuffer();
    if (root.status === 401) return { final: true, why: 'unauthorized' };
    if (!root.ok) return { final: true, why: `answered ${root.status}, not as CouchDB does` };
    if (probe.user === undefined) return 'ok';
    const session = await fetch(`${base}/_session`, { headers, signal: AbortSignal.timeout(2_000) });
    await session.arrayBuffer();
    return session.status === 401 ? { final: true, why: 'unauthorized' } : 'ok';
  } catch (error) {
    return { final: false, why: reason(error) };
  }
}

/** Resolves once CouchDB answers at `probe.url`; a StartError after `timeoutMs` or a final refusal. */
export async function waitForCouch(probe: CouchProbe, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const where = `CouchDB at ${displayUrl(probe.url)}`;
  const fix = probe.setting
    ? 'check COUCHDB_URL, or unset it to use the embedded pouchdb-server'
    : 'the embedded pouchdb-server did not start';
  for (;;) {
    const outcome = await tryCouch(probe);
    if (outcome === 'ok') return;
    if (outcome.why === 'unauthorized')
      throw new StartError(`${where} refused the credentials; check COUCHDB_USER and COUCHDB_PASSWORD`);
    if (outcome.final) throw new StartError(`${where} ${outcome.why}; ${fix}`);
    if (Date.now() >= deadline)
      throw new StartError(
        `${where} is not reachable (${outcome.why}) after ${Math.round(timeoutMs / 1000)} s; ${fix}; PALETTE_CONNECT_TIMEOUT_S sets the wait`,
      );
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
  }
}

/** `host:port` (or `[v6]:port`) of one KAFKA_BROKERS entry, or a StartError naming it. */
export function brokerAddress(broker: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(broker);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535)
    throw new StartError(
      `KAFKA_BROKERS: '${broker}' is not host:port; set KAFKA_BROKERS=host:port[,host:port...]`,
    );
  return { host: (match[1] ?? match[2])!, port };
}

function tryConnect(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const done = (why?: string) => {
      socket.destroy();
      resolve(why);
    };
    socket.once('connect', () => done());
    socket.once('timeout', () => done('ETIMEDOUT'));
    socket.once('error', (error) => done(reason(error)));
  });
}

/** Resolves once one of the brokers accepts a TCP connection; a StartError after `timeoutMs`. */
export async function waitForKafka(brokers: readonly string[], timeoutMs: number): Promise<void> {
  const addresses = brokers.map(brokerAddress);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failures = await Promise.all(addresses.map((a) => tryConnect(a.host, a.port)));
    if (failures.some((f) => f === undefined)) return;
    if (Date.now() >= deadline)
      throw new StartError(
        `Kafka at ${brokers.join(',')} is not reachable (${[...new Set(failures)].join(', ')}) after ${Math.round(timeoutMs / 1000)} s; check KAFKA_BROKERS or start a broker (npm run kafka:up); PALETTE_CONNECT_TIMEOUT_S sets the wait`,
      );
    await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
  }
}
