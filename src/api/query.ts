/**
 * Query-parameter parsing with OpenWhisk's rules and 400s: booleans, the list `limit` (default 30,
 * 0 meaning the maximum 200) and `skip`, and epoch-ms bounds.
 */
import type { Request } from 'express';
import { badRequest } from './errors.js';

export const listLimitDefault = 30;
export const listLimitMax = 200;

function single(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[value.length - 1] as string;
  throw badRequest(`The query parameter '${name}' was malformed.`);
}

const truthy = new Set(['true', 'yes', 'on', '1']);
const falsy = new Set(['false', 'no', 'off', '0']);

export function boolParam(req: Request, name: string, fallback: boolean): boolean {
  const raw = single(req, name);
  if (raw === undefined || raw === '') return fallback;
  const lower = raw.toLowerCase();
  if (truthy.has(lower)) return true;
  if (falsy.has(lower)) return false;
  throw badRequest(`The query parameter '${name}' was malformed:\n'${raw}' is not a valid Boolean value`);
}

export function intParam(req: Request, name: string): number | undefined {
  const raw = single(req, name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw))
    throw badRequest(
      `The query parameter '${name}' was malformed:\n'${raw}' is not a valid 64-bit signed integer value`,
    );
  return Number(raw);
}

export function stringParam(req: Request, name: string): string | undefined {
  const raw = single(req, name);
  return raw === undefined || raw === '' ? undefined : raw;
}

/** `limit` and `skip` for a collection (`what`: "actions", "activations"). */
export function pageParams(req: Request, what: string): { limit: number; skip: number } {
  const limit = intParam(req, 'limit') ?? listLimitDefault;
  if (limit < 0 || limit > listLimitMax) {
    throw badRequest(`The value '${limit}' is not in the range of 0 to ${listLimitMax} for ${what}.`);
  }
  const skip = intParam(req, 'skip') ?? 0;
  if (skip < 0)
    throw badRequest(
      `The value '${skip}' is not in the range of 0 to ${Number.MAX_SAFE_INTEGER} for ${what}.`,
    );
  return { limit: limit === 0 ? listLimitMax : limit, skip };
}
