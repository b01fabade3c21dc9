/**
 * The least-assigned table's documents: one per color, in `<prefix>palette_colors`.
 *
 * A color is any string of 1 to 256 characters, and CouchDB reserves ids starting with `_`, so the
 * id is `color:` + encodeURIComponent(color) (readable in Fauxton, never starts with `_`). A string
 * with a lone surrogate cannot be URI-encoded; it gets `color16:` + base64url of its UTF-16 code
 * units instead, which is lossless. The id is the authority for the color: the `color` field is a
 * convenience for people reading the database and must agree with it.
 */
import { z } from 'zod';

export interface ColorDoc {
  readonly _id: string;
  readonly _rev?: string;
  readonly color: string;
  readonly invoker: number;
  /** Epoch ms of the decision. */
  readonly assignedAt: number;
  /** The controller id that decided. */
  readonly controller: string;
}

const URI_PREFIX = 'color:';
const UTF16_PREFIX = 'color16:';

export function colorDocId(color: string): string {
  try {
    return URI_PREFIX + encodeURIComponent(color);
  } catch {
    return UTF16_PREFIX + Buffer.from(color, 'utf16le').toString('base64url');
  }
}

/** The color an id stands for, or undefined if the id is not a color document's. */
export function colorFromDocId(id: string): string | undefined {
  try {
    if (id.startsWith(URI_PREFIX)) return decodeURIComponent(id.slice(URI_PREFIX.length));
    if (id.startsWith(UTF16_PREFIX)) {
      const bytes = Buffer.from(id.slice(UTF16_PREFIX.length), 'base64url');
      return bytes.length % 2 === 0 ? bytes.toString('utf16le') : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

const colorDocSchema = z
  .object({
    _id: z.string(),
    _rev: z.string().optional(),
    color: z.string().min(1).max(256),
    invoker: z.number().int().min(0),
    assignedAt: z.number(),
    controller: z.string(),
  })
  .passthrough();

export type ColorDocCheck =
  { readonly ok: true; readonly doc: ColorDoc } | { readonly ok: false; readonly problem: string };

/** Validates a document read from the colors database; never throws. */
export function checkColorDoc(raw: unknown): ColorDocCheck {
  const parsed = colorDocSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      problem: parsed.error.issues.map((i) => `${i.path.join('.') || 'document'}: ${i.message}`).join('; '),
    };
  }
  const color = colorFromDocId(parsed.data._id);
  if (color === undefined) return { ok: false, problem: 'the id is not a color id' };
  if (color !== parsed.data.color) return { ok: false, problem: 'the id and the color field disagree' };
  return { ok: true, doc: parsed.data };
}

export function newColorDoc(
  color: string,
  invoker: number,
  controller: string,
  assignedAt = Date.now(),
): ColorDoc {
  return { _id: colorDocId(color), color, invoker, assignedAt, controller };
}
