/**
 * The request half of web actions, as OpenWhisk's WebActions.scala builds it: the extension in the
 * last path segment, the request body as the action sees it (parsed JSON or form fields, otherwise
 * the raw text or base64 bytes under `__ow_body`), the `__ow_*` context parameters, the `final`
 * check, `require-whisk-auth`, and where the color comes from (DECISIONS R7: `X-Palette-Color`
 * header > query parameter > JSON body field > action annotation, the last left to the controller).
 * Pure functions: routes/web.ts does the I/O.
 */
import { COLOR_KEY, validateColor } from '../balancer/color.js';
import type { ActionDocument, Identity } from '../protocol/index.js';
import { ApiError, badRequest, messages } from './errors.js';
import type { BodyBytes } from './body.js';
import { maxJsonDepth } from './json-depth.js';

export type WebExtension = '.http' | '.json' | '.html' | '.svg' | '.text';

/** In OpenWhisk's order: the first extension the name ends with is taken. */
export const webExtensions: readonly WebExtension[] = ['.http', '.json', '.html', '.svg', '.text'];

export const webMessages = {
  parametersNotAllowed: 'Request defines parameters that are not allowed (e.g., reserved properties).',
  propertyNotFound: 'Response does not include requested property.',
  invalidMedia: (mediaType: string) => `Response is not valid '${mediaType}'.`,
  extensionNotSupported: `Extension must be specified and one of [${webExtensions.join(', ')}].`,
  unsupportedContentType: (mediaType: string) => `Content type '${mediaType}' is not supported.`,
  responseNotReady: 'Response not yet ready.',
  httpUnknownContentType: 'Response did not specify a known content-type.',
  httpContentTypeError: 'Response type in header did not match generated content type.',
  errorProcessingRequest: 'There was an error processing your request.',
} as const;

export const colorHeader = 'x-palette-color';
export const requireWhiskAuthHeader = 'x-require-whisk-auth';

/** WebApiDirectives.reservedProperties. */
export const reservedProperties: ReadonlySet<string> = new Set(
  ['method', 'headers', 'path', 'user', 'query', 'body'].map((f) => `__ow_${f}`),
);

/**
 * mediaTranscoderForName: a known extension is split off; any other name is the action's whole
 * name with `.http` (OpenWhisk does not enforce an extension).
 */
export function splitExtension(segment: string): { name: string; extension: WebExtension } {
  const extension = webExtensions.find((e) => segment.endsWith(e) && segment.length > e.length);
  if (extension) return { name: segment.slice(0, -extension.length), extension };
  return { name: segment, extension: '.http' };
}

/**
 * A name with a lower-case dotted suffix that is not an action: taken as an unsupported extension
 * (R18: 400) rather than a missing action, so `hello.xml` tells the caller what is accepted.
 */
export function looksLikeExtension(segment: string): boolean {
  return /[^.]\.[a-z]+$/.test(segment);
}

function annotation(action: ActionDocument, key: string): unknown {
  return action.annotations.find((a) => a.key === key)?.value;
}

export function isWebExported(action: ActionDocument): boolean {
  return annotation(action, 'web-export') === true;
}

export function isRawHttp(action: ActionDocument): boolean {
  return annotation(action, 'raw-http') === true;
}

/** `web-custom-options: true` hands OPTIONS and CORS to the action. */
export function delegatesCors(action: ActionDocument): boolean {
  return annotation(action, 'web-custom-options') !== true;
}

/**
 * confirmAuthenticated: `true` needs an authenticated caller; a string or number needs an equal
 * `X-Require-Whisk-Auth` header; `false` or no annotation lets anyone in; anything else no one.
 */
export function authorizedToProceed(
  action: ActionDocument,
  requireHeader: string | undefined,
  caller: Identity | undefined,
): boolean {
  if (!action.annotations.some((a) => a.key === 'require-whisk-auth')) return true;
  const value = annotation(action, 'require-whisk-auth');
  if (typeof value === 'string') return requireHeader === value;
  if (typeof value === 'number') return requireHeader === String(value);
  if (value === true) return caller !== undefined;
  return value === false;
}

/** Media types akka treats as text: their bodies reach the action as strings, all others as base64. */
function isTextual(mediaType: string): boolean {
  return (
    mediaType.startsWith('text/') ||
    mediaType.endsWith('+xml') ||
    ['application/xml', 'application/javascript', 'application/x-www-form-urlencoded'].includes(mediaType)
  );
}

export function isJsonFamily(mediaType: string): boolean {
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? 'application/octet-stream').split(';')[0]!.trim().toLowerCase();
}

/** The body as OpenWhisk's extractEntityAndProcessRequest gives it to the action; undefined when empty. */
export function decodeBody(
  { bytes, tooDeep }: BodyBytes,
  contentType: string | undefined,
  rawHttp: boolean,
): unknown {
  if (bytes.length === 0) return undefined;
  const mediaType = mediaTypeOf(contentType);
  if (!rawHttp && isJsonFamily(mediaType)) {
    const text = bytes.toString('utf8');
    if (text.trim() === '') return undefined;
    // As every other JSON body (body.ts): what follows the parse recurses, so a 4,000-deep array
    // overflowed the stack into a 500 (found by the request fuzzer). Checked while it was read.
    if (tooDeep) throw badRequest(messages.malformedDetail(`nesting deeper than ${maxJsonDepth} levels`));
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(400, messages.malformedJson);
    }
  }
  if (!rawHttp && mediaType === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(bytes.toString('utf8')));
  }
  // "for legacy, we are encoding application/json still" (a raw-http action gets JSON as base64).
  if (!isTextual(mediaType) || mediaType === 'application/json') return bytes.toString('base64');
  return bytes.toString('utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface WebRequest {
  method: string;
  /** Lower-case names, as node gives them. */
  headers: Record<string, string>;
  /** What follows the action segment, e.g. `/a/b` (OpenWhisk's unmatched path). */
  path: string;
  /** The raw query string without `?`. */
  query: string;
  /** The decoded body (decodeBody). */
  body: unknown;
  rawHttp: boolean;
  /** The authenticated caller, when the request carried a valid key (`__ow_user`). */
  caller?: Identity;
}

/**
 * The color by R7's precedence among the request's own sources; undefined leaves the action's
 * annotation to the controller. A raw-http body is opaque, so it is never a source.
 */
export function requestColor(req: WebRequest): string | undefined {
  const header = req.headers[colorHeader];
  if (header !== undefined) return validateColor(header, 'parameter');
  const query = new URLSearchParams(req.query).getAll(COLOR_KEY);
  if (query.length > 0) return validateColor(query[query.length - 1], 'parameter');
  if (!req.rawHttp && isRecord(req.body) && Object.prototype.hasOwnProperty.call(req.body, COLOR_KEY)) {
    return validateColor(req.body[COLOR_KEY], 'parameter');
  }
  return undefined;
}

/** The query string without the color (for `__ow_query`), otherwise byte for byte as sent. */
export function queryWithoutColor(query: string): string {
  if (query === '') return query;
  return query
    .split('&')
    .filter((pair) => {
      const key = pair.split('=')[0]!;
      try {
        return decodeURIComponent(key.replace(/\+/g, ' ')) !== COLOR_KEY;
      } catch {
        return true;
      }
    })
    .join('&');
}

/**
 * Context.toActionArgument with the color taken out: metadata, then query parameters (or
 * `__ow_query`), then body fields (or `__ow_body`); later wins. Throws the 400 of OpenWhisk's
 * `overrides` check when a query or body key is reserved or a `final` parameter of the action.
 */
export function webArguments(req: WebRequest, action: ActionDocument): Record<string, unknown> {
  const { [colorHeader]: _color, ...headers } = req.headers;
  const args: Record<string, unknown> = {
    __ow_method: req.method.toLowerCase(),
    __ow_headers: headers,
    __ow_path: req.path,
  };
  if (req.caller) args.__ow_user = req.caller.namespace.name;
  if (req.rawHttp) {
    args.__ow_query = queryWithoutColor(req.query);
    args.__ow_body = req.body ?? '';
    return args;
  }
  const query: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(req.query)) query[key] = value;
  const body: Record<string, unknown> = isRecord(req.body)
    ? { ...req.body }
    : req.body === undefined
      ? {}
      : { __ow_body: req.body };
  const given = [...Object.keys(query), ...(isRecord(req.body) ? Object.keys(req.body) : [])];
  const fixed = finalParameters(action);
  if (given.some((key) => reservedProperties.has(key) || fixed.has(key))) {
    throw badRequest(webMessages.parametersNotAllowed);
  }
  delete query[COLOR_KEY];
  delete body[COLOR_KEY];
  return { ...args, ...query, ...body };
}

/** WhiskAction.immutableParameters: with `final: true`, the parameters the action defines. */
function finalParameters(action: ActionDocument): Set<string> {
  if (annotation(action, 'final') !== true) return new Set();
  return new Set(
    action.parameters
      .filter((p) => p.value !== undefined && p.value !== null && p.value !== '')
      .map((p) => p.key),
  );
}
