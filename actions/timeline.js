/* global fetch, Buffer, URL */
/**
 * timeline: the social network's ReadUserTimeline and ReadHomeTimeline (Palette, EuroSys 2023),
 * over a post store in CouchDB, with a per-container LRU cache of posts in module state, so a warm
 * container that served a user before can answer from memory. A cache miss is a read from CouchDB.
 *
 * Post store (database `db`, default `palette_posts`): one document per post,
 *   { _id: "post:<user>:<n>", author: "<user>", n, text, ... }   n = 0 .. postsPerUser-1, higher = newer,
 * and optionally one document per user with the users they follow (used when `friends` is absent):
 *   { _id: "user:<user>", friends: ["<user>", ...] }
 *
 * Parameters:
 *   kind          "user" (ReadUserTimeline: the user's `count` newest posts) or
 *                 "home" (ReadHomeTimeline: the newest post of each of up to `count` friends)
 *   user          the user id (also the Palette color of the request)
 *   friends       the friends list for "home" (else read from the user document, not cached as a post)
 *   count         posts per timeline, default 10
 *   postsPerUser  default 10
 *   cacheSize     LRU capacity in posts, default 25
 *   couchUrl, db  where the posts live; couchUrl defaults to PALETTE_COUCHDB_URL (credentials allowed)
 * Result: { kind, user, posts: [ids], hits, misses, missing: [ids not found], cacheSize, cached,
 *           invoker, container }.
 */
const cache = new Map(); // post id -> post, in least- to most-recently-used order
let capacity = 25;

function cacheGet(id) {
  const post = cache.get(id);
  if (post !== undefined) {
    cache.delete(id);
    cache.set(id, post);
  }
  return post;
}

function cachePut(id, post) {
  cache.delete(id);
  cache.set(id, post);
  while (cache.size > capacity) cache.delete(cache.keys().next().value);
}

/** fetch() refuses URLs with credentials: move them into an Authorization header. */
function couchRequest(base, path, init = {}) {
  const url = new URL(base.replace(/\/$/, '') + path);
  const headers = { 'content-type': 'application/json', ...(init.headers || {}) };
  if (url.username || url.password) {
    const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return fetch(url, { ...init, headers });
}

async function readDocs(couchUrl, db, ids) {
  if (ids.length === 0) return new Map();
  const response = await couchRequest(couchUrl, `/${encodeURIComponent(db)}/_all_docs?include_docs=true`, {
    method: 'POST',
    body: JSON.stringify({ keys: ids }),
  });
  if (!response.ok) throw new Error(`reading posts from ${db} failed: HTTP ${response.status}`);
  const body = await response.json();
  const found = new Map();
  for (const row of body.rows) if (row.doc) found.set(row.key, row.doc);
  return found;
}

async function friendsOf(params, couchUrl, db) {
  if (Array.isArray(params.friends)) return params.friends.map(String);
  const docs = await readDocs(couchUrl, db, [`user:${params.user}`]);
  const doc = docs.get(`user:${params.user}`);
  return doc && Array.isArray(doc.friends) ? doc.friends.map(String) : [];
}

async function main(params) {
  const kind = params.kind === 'home' ? 'home' : 'user';
  const user = String(params.user);
  const count = Number(params.count ?? 10);
  const postsPerUser = Number(params.postsPerUser ?? 10);
  const couchUrl = params.couchUrl || process.env.PALETTE_COUCHDB_URL;
  const db = params.db || 'palette_posts';
  if (!couchUrl) return { error: 'timeline needs couchUrl (or PALETTE_COUCHDB_URL) to reach the post store' };
  capacity = Math.max(0, Number(params.cacheSize ?? capacity));
  while (cache.size > capacity) cache.delete(cache.keys().next().value);

  const newest = postsPerUser - 1;
  let ids;
  if (kind === 'user') {
    ids = [];
    for (let n = newest; n >= 0 && ids.length < count; n--) ids.push(`post:${user}:${n}`);
  } else {
    const friends = await friendsOf(params, couchUrl, db);
    ids = friends.slice(0, count).map((friend) => `post:${friend}:${newest}`);
  }

  let hits = 0;
  const posts = new Map();
  const toFetch = [];
  for (const id of ids) {
    const post = cacheGet(id);
    if (post !== undefined) {
      hits++;
      posts.set(id, post);
    } else toFetch.push(id);
  }
  const fetched = await readDocs(couchUrl, db, toFetch);
  const missing = [];
  for (const id of toFetch) {
    const doc = fetched.get(id);
    if (!doc) {
      missing.push(id);
      continue;
    }
    const post = { id, author: doc.author, n: doc.n, text: doc.text };
    cachePut(id, post);
    posts.set(id, post);
  }

  return {
    kind,
    user,
    posts: ids.filter((id) => posts.has(id)),
    hits,
    misses: toFetch.length,
    missing,
    cacheSize: capacity,
    cached: cache.size,
    invoker: process.env.PALETTE_INVOKER_ID ?? null,
    container: process.env.PALETTE_CONTAINER_ID ?? null,
  };
}

module.exports.main = main;
