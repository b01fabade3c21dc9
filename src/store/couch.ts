/**
 * One connection to CouchDB (or anything speaking its HTTP API, such as the embedded
 * pouchdb-server) through nano: the database names, their creation and their design documents.
 *
 * Database names follow OpenWhisk (`<prefix>subjects`, `<prefix>whisks`, `<prefix>activations`);
 * Palette's own state lives beside them in `<prefix>palette_colors` (the least-assigned table) and
 * `<prefix>palette_placements` (what the controller decided per activation). Creating a database
 * or a design document that already exists is not an error: several replicas start at once, and a
 * real OpenWhisk deployment has already installed its own design documents, which we never replace.
 */
import nano from 'nano';
import { databaseNames, type DatabaseKey, type DatabaseNames } from './database-names.js';
import { designDocuments, type DesignDocument } from './design-docs.js';

export { databaseNames, type DatabaseKey, type DatabaseNames } from './database-names.js';

export interface CouchOptions {
  readonly url: string;
  readonly user?: string;
  readonly password?: string;
  readonly prefix: string;
}

export interface CouchConnection {
  readonly server: nano.ServerScope;
  readonly names: DatabaseNames;
  db<D extends object = Record<string, unknown>>(key: DatabaseKey): nano.DocumentScope<D>;
}

/** A nano handle with credentials; touches nothing on the server. */
export function openCouch(options: CouchOptions): CouchConnection {
  const url = new URL(options.url);
  if (options.user !== undefined) url.username = encodeURIComponent(options.user);
  if (options.password !== undefined) url.password = encodeURIComponent(options.password);
  const server = nano({ url: url.toString().replace(/\/$/, '') });
  const names = databaseNames(options.prefix);
  return {
    server,
    names,
    db: <D extends object>(key: DatabaseKey) => server.use<D>(names[key]),
  };
}

/** Opens the connection and makes sure every database and design document exists. */
export async function connectCouch(options: CouchOptions): Promise<CouchConnection> {
  const couch = openCouch(options);
  for (const key of Object.keys(couch.names) as DatabaseKey[]) {
    await ensureDatabase(couch.server, couch.names[key]);
    for (const ddoc of designDocuments[key]) await ensureDesignDocument(couch.db(key), ddoc);
  }
  return couch;
}

async function ensureDatabase(server: nano.ServerScope, name: string): Promise<void> {
  try {
    await server.db.create(name);
  } catch (err) {
    // 412: it exists (possibly created a moment ago by another replica).
    if (statusOf(err) !== 412) throw err;
  }
}

async function ensureDesignDocument(db: nano.DocumentScope<object>, ddoc: DesignDocument): Promise<void> {
  let existing: (DesignDocument & { _rev: string }) | undefined;
  try {
    existing = (await db.get(ddoc._id)) as unknown as DesignDocument & { _rev: string };
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
  // OpenWhisk's own documents are OpenWhisk's: install them only where they are missing, and
  // never change a view that is there (a database written by an earlier Palette may lack a view
  // added since, such as `packages`: only those are added). Palette's own documents are ours:
  // bring an older version up to date.
  let views = ddoc.views;
  if (existing && !ddoc.ours) {
    const missing = Object.keys(ddoc.views).filter((name) => !(name in (existing.views ?? {})));
    if (missing.length === 0) return;
    views = { ...ddoc.views, ...existing.views };
  } else if (existing && JSON.stringify(existing.views) === JSON.stringify(ddoc.views)) return;
  const { ours: _ours, ...body } = ddoc;
  try {
    await db.insert({ ...existing, ...body, views, ...(existing ? { _rev: existing._rev } : {}) } as object);
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
  }
}

/** Requests that must not hang forever (a stuck server would otherwise stall a writer for good). */
export const defaultRequestTimeoutMs = 30_000;

/**
 * A nano request that settles when its signal aborts. nano passes the signal to undici's fetch, but
 * an abort at an unlucky moment can leave that promise pending for good (seen with long-polled
 * `_changes`, about once in 400 aborts), and an abort while the body is read resolves with an empty
 * string rather than failing. Either would stall whoever waits: a stop, or a writer past its
 * deadline. The abort reason (an AbortError or TimeoutError) carries no HTTP status, so it counts
 * as a socket-level, retriable failure.
 */
export function couchRequest<T>(
  couch: CouchConnection,
  options: nano.RequestOptions,
  signal: AbortSignal,
): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return settleOnAbort(
    couch.server.request({ ...options, signal } as nano.RequestOptions) as Promise<T>,
    signal,
  );
}

/**
 * `work`, or a rejection with the signal's reason as soon as the signal aborts, whichever comes
 * first: for fetch-based calls (undici) whose own promise may not settle after an abort.
 */
export function settleOnAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('request aborted');
}

/** `_bulk_docs` with a deadline; a timeout is a socket-level (retriable) failure. */
export function bulkDocs(
  couch: CouchConnection,
  key: DatabaseKey,
  timeoutMs = defaultRequestTimeoutMs,
): (body: nano.BulkModifyDocsWrapper) => Promise<nano.DocumentBulkResponse[]> {
  return (body) =>
    couchRequest<nano.DocumentBulkResponse[]>(
      couch,
      { db: couch.names[key], method: 'post', path: '_bulk_docs', body },
      AbortSignal.timeout(timeoutMs),
    );
}

/** `_all_docs?include_docs=true` for these ids, with a deadline. */
export async function fetchDocs(
  couch: CouchConnection,
  key: DatabaseKey,
  ids: readonly string[],
  timeoutMs = defaultRequestTimeoutMs,
): Promise<{ id: string; doc?: unknown }[]> {
  const response = await couchRequest<{ rows: { key: string; doc?: unknown }[] }>(
    couch,
    {
      db: couch.names[key],
      method: 'post',
      path: '_all_docs',
      qs: { include_docs: true },
      body: { keys: ids },
    },
    AbortSignal.timeout(timeoutMs),
  );
  return response.rows.map((row) => ({ id: row.key, doc: row.doc ?? undefined }));
}

/** The HTTP status of a nano error, or undefined for a socket-level failure (server unreachable). */
export function statusOf(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const code = (err as { statusCode?: unknown }).statusCode;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}

/** Worth retrying later: the server was unreachable, overloaded or failed internally. */
export function isRetriable(err: unknown): boolean {
  const status = statusOf(err);
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * The store did not answer (R25 "unreachable"): an HTTP 5xx, 408 or 429, or a failure below HTTP
 * (connection refused or reset, a deadline passed). Stricter than isRetriable, which takes any error
 * without a status for a socket error: here an error of our own (a type mismatch, a bad document)
 * is an answer, and so is every other status, 404 first.
 */
export function isUnreachable(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  if (!(err instanceof Error)) return false;
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (socketCodes.has(code) || code.startsWith('UND_ERR_'))) return true;
  // nano's own wording for every failure below HTTP (refused, reset, DNS).
  return err.message.startsWith('error happened in your connection');
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;

/** OpenWhisk's TOP sentinel for open-ended view keys (WhiskStore.scala). */
export const TOP = '\ufff0';
