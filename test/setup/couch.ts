/**
 * Global-setup half for CouchDB: starts an in-memory pouchdb-server for the integration suites and
 * exports its address as COUCHDB_URL (test workers inherit process.env). A COUCHDB_URL already set
 * (a real CouchDB) is used as is. Each test file isolates itself with its own DB_PREFIX.
 */
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/platform/embedded-couch.js';

let couch: EmbeddedCouch | undefined;

export async function startCouchForTests(): Promise<void> {
  if (process.env.COUCHDB_URL) return;
  couch = await startEmbeddedCouch();
  process.env.COUCHDB_URL = couch.url;
}

export async function stopCouchForTests(): Promise<void> {
  await couch?.stop();
  couch = undefined;
}
