/**
 * Co-access plans' documents in `<prefix>palette_colors`, next to the least-assigned table's
 * (color-docs.ts), DECISIONS R8:
 *
 * - a pin per (namespace, color): id `pin:<ns>:<color>`, `pinned: true`, the invoker;
 * - a plan per namespace: id `plan:<ns>`, the planner's summary (what GET .../affinity shows).
 *
 * Both parts of a pin id are encoded as color ids are (URI component, else `~` + base64url of the
 * UTF-16 code units for a string with a lone surrogate), so `:` separates them unambiguously and a
 * namespace's pins are one `_all_docs` key range.
 */
import { z } from 'zod';

export const PIN_PREFIX = 'pin:';
export const PLAN_PREFIX = 'plan:';

export interface PinDoc {
  readonly _id: string;
  readonly _rev?: string;
  readonly _deleted?: boolean;
  readonly pinned: true;
  readonly namespace: string;
  readonly color: string;
  readonly invoker: number;
  readonly assignedAt: number;
  readonly controller: string;
}

/** The planner's summary as stored; the API shows it. */
export interface PlanDoc {
  readonly _id: string;
  readonly _rev?: string;
  readonly namespace: string;
  readonly plannedAt: number;
  readonly controller: string;
  readonly summary: Record<string, unknown>;
}

function encodePart(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '~' + Buffer.from(s, 'utf16le').toString('base64url');
  }
}

function decodePart(s: string): string | undefined {
  try {
    if (s.startsWith('~')) {
      const bytes = Buffer.from(s.slice(1), 'base64url');
      return bytes.length % 2 === 0 ? bytes.toString('utf16le') : undefined;
    }
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The first id of a namespace's pins; every pin id of the namespace starts with it. */
export function pinIdPrefix(namespace: string): string {
  return `${PIN_PREFIX}${encodePart(namespace)}:`;
}

export function pinDocId(namespace: string, color: string): string {
  return pinIdPrefix(namespace) + encodePart(color);
}

export function planDocId(namespace: string): string {
  return PLAN_PREFIX + encodePart(namespace);
}

/** Ids the least-assigned table must leave alone. */
export function isPlanningDocId(id: string): boolean {
  return id.startsWith(PIN_PREFIX) || id.startsWith(PLAN_PREFIX);
}

export function parsePinId(id: string): { namespace: string; color: string } | undefined {
  if (!id.startsWith(PIN_PREFIX)) return undefined;
  const rest = id.slice(PIN_PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon < 0) return undefined;
  const namespace = decodePart(rest.slice(0, colon));
  const color = decodePart(rest.slice(colon + 1));
  return namespace !== undefined && color !== undefined ? { namespace, color } : undefined;
}

const pinDocSchema = z
  .object({
    _id: z.string(),
    pinned: z.literal(true),
    namespace: z.string().min(1),
    color: z.string().min(1).max(256),
    invoker: z.number().int().min(0).max(65_534),
    assignedAt: z.number(),
    controller: z.string(),
  })
  .passthrough();

/** A valid pin document, or the reason it is not; never throws. */
export function checkPinDoc(raw: unknown): { ok: true; doc: PinDoc } | { ok: false; problem: string } {
  const parsed = pinDocSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      problem: parsed.error.issues.map((i) => `${i.path.join('.') || 'document'}: ${i.message}`).join('; '),
    };
  }
  const key = parsePinId(parsed.data._id);
  if (!key) return { ok: false, problem: 'the id is not a pin id' };
  if (key.namespace !== parsed.data.namespace || key.color !== parsed.data.color)
    return { ok: false, problem: 'the id and the namespace or color fields disagree' };
  return { ok: true, doc: parsed.data as PinDoc };
}

export function newPinDoc(
  namespace: string,
  color: string,
  invoker: number,
  controller: string,
  assignedAt = Date.now(),
): PinDoc {
  return { _id: pinDocId(namespace, color), pinned: true, namespace, color, invoker, assignedAt, controller };
}
