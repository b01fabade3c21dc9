/* global fetch, Buffer, URL, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports -- OpenWhisk Node.js actions are CommonJS */
/**
 * dag-task: one task of a data-parallel DAG (Palette's Dask/NumS experiments). It reads its inputs
 * by key, computes its output, and stores it:
 *
 * - Input: from the invoker's local object store (the folder in PALETTE_LOCAL_STORE, private to
 *   the invoker that runs this container) when the producing task ran on the same invoker; else
 *   from the remote store, a CouchDB attachment `<db>/<key>/data`.
 * - Output: written to the local store and to the remote store (other invokers read it there).
 *   `remote: false` skips the remote write: the caller says so only when every consumer has this
 *   task's color, so it is expected to run on this invoker. `remoteOnly` skips the local write.
 * - An input in neither store (its producer skipped the remote write and the consumer ran on
 *   another invoker, because a color moved) is an application error naming the missing keys, so
 *   the caller can count it and recompute the producer with `remote: true`; never a silent gap.
 *
 * Parameters: key (the output's key), inputs (keys, default []), size (output bytes, default
 * 1024), remote (default true), remoteOnly (default false), computeMs (the task's compute, a
 * wall-clock wait, default 0), db (default `palette_dag`), couchUrl (default PALETTE_COUCHDB_URL),
 * localDir (default PALETTE_LOCAL_STORE: the local store; the benchmark's ceiling run passes one
 * folder for all invokers, standing for every input pre-copied to every invoker's store).
 * Result: { key, invoker, container, inputs: [{key, source: "local"|"remote", bytes}],
 *           bytesReadLocal, bytesReadRemote, bytesWrittenLocal, bytesWrittenRemote, digest,
 *           fetchMs, computeMs, writeMs },
 *         or { error: { message, missing: [keys], key, invoker } } when inputs are in neither store.
 */
const fs = require('node:fs/promises');
const path = require('node:path');
const crypto = require('node:crypto');

let databaseReady = false;

function couchRequest(base, urlPath, init = {}) {
  const url = new URL(base.replace(/\/$/, '') + urlPath);
  const headers = { ...(init.headers || {}) };
  if (url.username || url.password) {
    const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return fetchRetrying(url, { ...init, headers });
}

/**
 * fetch, retried twice on a network error: a kept-alive connection the store closes just as a
 * request goes out fails with "fetch failed" (the emulated delay widens that window). Every
 * request here is safe to repeat: reads, and a PUT that answers 409 if it had been applied.
 */
async function fetchRetrying(url, init) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 2 || !(error instanceof TypeError)) throw error;
    }
  }
}

function localPath(dir, key) {
  return dir ? path.join(dir, encodeURIComponent(key)) : undefined;
}

async function readLocal(dir, key) {
  const file = localPath(dir, key);
  if (!file) return undefined;
  try {
    return await fs.readFile(file);
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeLocal(dir, key, data) {
  const file = localPath(dir, key);
  if (!file) return 0;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
  return data.length;
}

const docPath = (db, key) => `/${encodeURIComponent(db)}/${encodeURIComponent(`dag:${key}`)}`;

/** The input's bytes from CouchDB, or undefined when it is not there. */
async function readRemote(couchUrl, db, key) {
  const response = await couchRequest(couchUrl, `${docPath(db, key)}/data`);
  if (response.status === 404) {
    await response.arrayBuffer();
    return undefined;
  }
  if (!response.ok) throw new Error(`reading ${key} from ${db} failed: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

async function ensureDatabase(couchUrl, db) {
  if (databaseReady) return;
  const response = await couchRequest(couchUrl, `/${encodeURIComponent(db)}`, { method: 'PUT' });
  if (!response.ok && response.status !== 412)
    throw new Error(`creating ${db} failed: HTTP ${response.status}`);
  databaseReady = true;
}

async function writeRemote(couchUrl, db, key, data) {
  await ensureDatabase(couchUrl, db);
  for (let attempt = 0; attempt < 5; attempt++) {
    let query = '';
    const existing = await couchRequest(couchUrl, docPath(db, key));
    if (existing.ok) query = `?rev=${encodeURIComponent((await existing.json())._rev)}`;
    else await existing.arrayBuffer();
    const response = await couchRequest(couchUrl, `${docPath(db, key)}/data${query}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: data,
    });
    if (response.ok) return data.length;
    if (response.status !== 409) throw new Error(`writing ${key} to ${db} failed: HTTP ${response.status}`);
  }
  throw new Error(`writing ${key} to ${db} kept conflicting`);
}

/** Deterministic output of the given size, derived from the key and the inputs. */
function produce(key, inputs, size) {
  const seed = crypto.createHash('sha256').update(key);
  for (const input of inputs) seed.update(input);
  const block = seed.digest();
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += block.length) block.copy(out, i, 0, Math.min(block.length, size - i));
  return out;
}

async function main(params) {
  const key = String(params.key);
  const inputKeys = Array.isArray(params.inputs) ? params.inputs.map(String) : [];
  const size = Math.max(0, Number(params.size ?? 1024));
  const couchUrl = params.couchUrl || process.env.PALETTE_COUCHDB_URL;
  const db = params.db || 'palette_dag';
  const localDir = params.localDir || process.env.PALETTE_LOCAL_STORE;
  if (!couchUrl)
    return { error: 'dag-task needs couchUrl (or PALETTE_COUCHDB_URL) to reach the remote store' };

  const inputs = [];
  const data = [];
  const missing = [];
  let bytesReadLocal = 0;
  let bytesReadRemote = 0;
  const fetchBegan = Date.now();
  for (const inputKey of inputKeys) {
    let bytes = await readLocal(localDir, inputKey);
    let source = 'local';
    if (bytes === undefined) {
      bytes = await readRemote(couchUrl, db, inputKey);
      source = 'remote';
      if (bytes === undefined) {
        missing.push(inputKey);
        continue;
      }
      bytesReadRemote += bytes.length;
    } else bytesReadLocal += bytes.length;
    inputs.push({ key: inputKey, source, bytes: bytes.length });
    data.push(bytes);
  }
  if (missing.length > 0) {
    // OpenWhisk keeps only `error` of an application error's result, so the keys go inside it.
    return {
      error: {
        message: `inputs in neither the local nor the remote store: ${missing.join(', ')}`,
        missing,
        key,
        invoker: process.env.PALETTE_INVOKER_ID ?? null,
      },
    };
  }

  const fetchMs = Date.now() - fetchBegan;

  // Compute is a wall-clock wait (R9): on a shared 2-core machine a busy loop would measure
  // how many invokers share a core, not the placement.
  const computeBegan = Date.now();
  const computeMs = Math.max(0, Number(params.computeMs ?? 0));
  if (computeMs > 0) await new Promise((resolve) => setTimeout(resolve, computeMs));
  const output = produce(key, data, size);
  const writeBegan = Date.now();
  const bytesWrittenRemote = params.remote === false ? 0 : await writeRemote(couchUrl, db, key, output);
  const bytesWrittenLocal = params.remoteOnly ? 0 : await writeLocal(localDir, key, output);
  const writeMs = Date.now() - writeBegan;
  return {
    key,
    invoker: process.env.PALETTE_INVOKER_ID ?? null,
    container: process.env.PALETTE_CONTAINER_ID ?? null,
    inputs,
    bytesReadLocal,
    bytesReadRemote,
    bytesWrittenLocal,
    bytesWrittenRemote,
    digest: crypto.createHash('sha256').update(output).digest('hex'),
    fetchMs,
    computeMs: writeBegan - computeBegan,
    writeMs,
  };
}

module.exports.main = main;
