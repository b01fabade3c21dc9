/**
 * Where an invocation's color comes from, and what a valid color is.
 * - The invocation parameter `__palette_color` wins over the action annotation `__palette_color`
 *   (a per-action default). Neither present: uncolored, and the baseline policy decides.
 * - A color is a string of 1 to 256 characters (Unicode code points). Anything else, including
 *   null, is rejected with a ColorError, which the API turns into a 400.
 * - `__palette_color` is a platform-owned reserved name, like OpenWhisk's `__OW_*`: it is routing
 *   metadata, so the action never receives it (the controller removes it from the arguments).
 */
export const COLOR_KEY = '__palette_color';
export const MAX_COLOR_LENGTH = 256;

export class ColorError extends Error {
  override readonly name = 'ColorError';
  /** A bad color is the caller's mistake: retrying the same request cannot help. */
  readonly retriable = false;
  constructor(
    message: string,
    readonly source: 'parameter' | 'annotation',
  ) {
    super(message);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    return value.length === 0 ? 'an empty string' : `a string of ${[...value].length} characters`;
  }
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function codePointLength(s: string): number {
  // Code points never outnumber UTF-16 units, and are at least half of them.
  if (s.length <= MAX_COLOR_LENGTH) return s.length === 0 ? 0 : [...s].length;
  if (s.length > 2 * MAX_COLOR_LENGTH) return s.length;
  return [...s].length;
}

/** Returns `value` as a color, or throws a ColorError naming `__palette_color` and the rule. */
export function validateColor(value: unknown, source: 'parameter' | 'annotation'): string {
  if (typeof value === 'string') {
    const length = codePointLength(value);
    if (length >= 1 && length <= MAX_COLOR_LENGTH) return value;
  }
  const where = source === 'parameter' ? 'the invocation parameter' : 'the action annotation';
  throw new ColorError(
    `${where} ${COLOR_KEY} must be a string of 1 to ${MAX_COLOR_LENGTH} characters, got ${describe(value)}`,
    source,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The invocation's color: the parameter if present (even if invalid: a bad parameter is an error,
 * not a reason to fall back), else the annotation, else undefined.
 */
export function resolveColor(
  params: unknown,
  annotations: readonly { key: string; value?: unknown }[] = [],
): string | undefined {
  if (isRecord(params) && Object.prototype.hasOwnProperty.call(params, COLOR_KEY)) {
    return validateColor(params[COLOR_KEY], 'parameter');
  }
  const annotation = annotations.find((a) => a.key === COLOR_KEY);
  return annotation === undefined ? undefined : validateColor(annotation.value, 'annotation');
}
