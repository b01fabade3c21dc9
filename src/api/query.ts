/**
 * Query-parameter parsing with OpenWhisk's rules and 400s: booleans, the list `limit` (default 30,
 * 0 meaning the maximum 200) and `skip`, and epoch-ms bounds.
 */
import type { IncomingMessage } from 'node:http';
import { badRequest } from './errors.js';

export const listLimitDefault = 30;
export const listLimitMax = 200;

// Parsed once per request, from the raw URL: the same code serves express routes and the fast invoke path.
const parsed = new WeakMap<IncomingMessage, URLSearchParams>();

function paramsOf(req: IncomingMessage): URLSearchParams {
  let params = parsed.get(req);
  if (!params) {
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '';
    const q = url.indexOf('?');
    params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    parsed.set(req, params);
  }
  return params;
}

/** The last value given for `name` (a repeated parameter: the last one wins). */
function single(req: IncomingMessage, name: string): string | undefined {
  const all = paramsOf(req).getAll(name);
  return all.length === 0 ? undefined : all[all.length - 1];
}

const truthy = new Set(['true', 'yes', 'on', '1']);
const falsy = new Set(['false', 'no', 'off', '0']);

export function boolParam(req: IncomingMessage, name: string, fallback: boolean): boolean {
  const raw = single(req, name);
  if (raw === undefined || raw === '') return fallback;
  const lower = raw.toLowerCase();
  if (truthy.has(lower)) return true;
  if (falsy.has(lower)) return false;
  throw badRequest(`The query parameter '${name}' was malformed:\n'${raw}' is not a valid Boolean value`);
}

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/**
 * A 64-bit signed integer, as OpenWhisk's `Long` parameters: anything else (a fraction, NaN, a
 * word, a number past 64 bits) is the 400 akka-http gives, never a number the stores choke on.
 * Values past JS's safe integers come back rounded; callers bound them further.
 */
export function intParam(req: IncomingMessage, name: string): number | undefined {
  const raw = single(req, name);
  if (raw === undefined || raw === '') return undefined;
  // The length check keeps BigInt off megabyte-long digit strings.
  if (!/^-?\d{1,20}$/.test(raw) || BigInt(raw) < int64Min || BigInt(raw) > int64Max)
    throw badRequest(
      `The query parameter '${name}' was malformed:\n'${raw}' is not a valid 64-bit signed integer value`,
    );
  return Number(raw);
}

export function stringParam(req: IncomingMessage, name: string): string | undefined {
  const raw = single(req, name);
  return raw === undefined || raw === '' ? undefined : raw;
}

/** `limit` and `skip` for a collection (`what`: "actions", "activations"). */
export function pageParams(req: IncomingMessage, what: string): { limit: number; skip: number } {
  const limit = intParam(req, 'limit') ?? listLimitDefault;
  if (limit < 0 || limit > listLimitMax) {
    throw badRequest(`The value '${limit}' is not in the range of 0 to ${listLimitMax} for ${what}.`);
  }
  const skip = intParam(req, 'skip') ?? 0;
  // Past the safe integers a skip is no longer exact, and no store holds that many records.
  if (skip < 0 || skip > Number.MAX_SAFE_INTEGER)
    throw badRequest(
      `The value '${skip}' is not in the range of 0 to ${Number.MAX_SAFE_INTEGER} for ${what}.`,
    );
  return { limit: limit === 0 ? listLimitMax : limit, skip };
}
