/* global setTimeout */
/**
 * seq-cache: one step of a chain whose steps share data through a per-container cache, for the
 * sequence benchmark (`npm run bench:sequence`). Step `step` of user `user` needs the item
 * `<user>:<step>`; a container that served that user before has it in its LRU (module state), any
 * other container "fetches" it (a fixed wait of `fetchMs`) and caches it. The output is the next
 * step's input, so a 5-step sequence of this action carries the counts to its end.
 *
 * Parameters: user (required), step (default 0), hits, misses (running counts), cacheSize (LRU
 * capacity in items, default 64), fetchMs (default 5).
 * Result: { user, step: step + 1, hits, misses, cacheSize, fetchMs, path: ["<invoker>/<container>", ...] }.
 */
const containerId = process.env.PALETTE_CONTAINER_ID || `c-${Math.random().toString(16).slice(2, 10)}`;
const cache = new Map(); // item -> true, least- to most-recently used
let capacity = 64;

function lookup(item) {
  if (cache.has(item)) {
    cache.delete(item);
    cache.set(item, true);
    return true;
  }
  cache.set(item, true);
  while (cache.size > capacity) cache.delete(cache.keys().next().value);
  return false;
}

async function main(params) {
  if (typeof params.user !== 'string') return { error: 'user (a string) is required' };
  if (Number.isInteger(params.cacheSize) && params.cacheSize > 0) capacity = params.cacheSize;
  const step = Number.isInteger(params.step) ? params.step : 0;
  const fetchMs = Number.isInteger(params.fetchMs) ? params.fetchMs : 5;
  const hit = lookup(`${params.user}:${step}`);
  if (!hit && fetchMs > 0) await new Promise((resolve) => setTimeout(resolve, fetchMs));
  const where = `${process.env.PALETTE_INVOKER_ID ?? '?'}/${containerId}`;
  return {
    user: params.user,
    step: step + 1,
    hits: (params.hits || 0) + (hit ? 1 : 0),
    misses: (params.misses || 0) + (hit ? 0 : 1),
    cacheSize: capacity,
    fetchMs,
    path: [...(Array.isArray(params.path) ? params.path : []), where],
  };
}

module.exports.main = main;
