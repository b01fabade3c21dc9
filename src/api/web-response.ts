/**
 * The response half of web actions: OpenWhisk's media transcoders (WebActions.scala resultAsJson,
 * resultAsHttp, resultAsHtml, resultAsSvg, resultAsText) turn an action's result into the HTTP
 * reply for the extension asked for. A status code the action returns (`.http`) is passed through
 * as the action chose it (R18). Invalid results are 400s in OpenWhisk's error shape.
 */
import { ApiError, badRequest } from './errors.js';
import { isJsonFamily, webMessages, type WebExtension } from './web-request.js';

export interface WebReply {
  status: number;
  headers: [string, string][];
  /** undefined: an empty entity. */
  body?: Buffer;
  /** The Content-Type of `body`. */
  contentType?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const jsonReply = (status: number, value: unknown, contentType = 'application/json'): WebReply => ({
  status,
  headers: [],
  body: Buffer.from(JSON.stringify(value)),
  contentType,
});

const textReply = (value: string, contentType: string): WebReply => ({
  status: 200,
  headers: [],
  body: Buffer.from(value, 'utf8'),
  contentType,
});

/** `body`, else the named field, of an object result; the result itself otherwise. */
function projected(result: unknown, field: string): unknown {
  if (!isRecord(result)) return result;
  return result.body !== undefined ? result.body : result[field];
}

export function transcode(extension: WebExtension, result: unknown): WebReply {
  switch (extension) {
    case '.json':
      if (typeof result === 'object' && result !== null) return jsonReply(200, result);
      throw badRequest(webMessages.invalidMedia('application/json'));
    case '.html': {
      const html = projected(result, 'html');
      if (typeof html === 'string') return textReply(html, 'text/html; charset=UTF-8');
      throw badRequest(webMessages.invalidMedia('text/html'));
    }
    case '.svg': {
      const svg = projected(result, 'svg');
      if (typeof svg === 'string') return textReply(svg, 'image/svg+xml');
      throw badRequest(webMessages.invalidMedia('image/svg+xml'));
    }
    case '.text':
      return asText(result);
    case '.http':
      return asHttp(result);
  }
}

function asText(result: unknown): WebReply {
  const text = projected(result, 'text');
  const plain = 'text/plain; charset=UTF-8';
  if (text === undefined) throw new ApiError(404, webMessages.propertyNotFound);
  if (typeof text === 'string') return textReply(text, plain);
  if (typeof text === 'object' && text !== null) return textReply(JSON.stringify(text, null, 2), plain);
  return textReply(String(text), plain);
}

/** headersFromJson: strings, booleans and numbers; an array repeats the header. */
function headersOf(value: unknown): [string, string][] {
  if (value === undefined) return [];
  if (!isRecord(value)) throw new Error('Invalid header');
  const out: [string, string][] = [];
  const add = (name: string, v: unknown): void => {
    if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') out.push([name, String(v)]);
    else if (Array.isArray(v)) for (const inner of v) add(name, inner);
    else throw new Error('Invalid header');
  };
  for (const [name, v] of Object.entries(value)) add(name, v);
  return out;
}

function statusOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const code = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599) return code;
  throw new Error('Illegal status code');
}

const isContentType = ([name]: [string, string]) => name.toLowerCase() === 'content-type';

/** A media type as akka's MediaType.parse accepts it: `type/subtype` with optional parameters. */
function validMediaType(value: string): boolean {
  return /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+\s*(;.*)?$/.test(value.trim());
}

function asHttp(result: unknown): WebReply {
  let headers: [string, string][];
  let status: number | undefined;
  try {
    if (!isRecord(result)) throw new Error('not an object');
    headers = headersOf(result.headers);
    status = statusOf(result.statusCode);
  } catch {
    throw badRequest(webMessages.invalidMedia('message/http'));
  }
  const body = result.body;
  const others = headers.filter((h) => !isContentType(h));
  const declared = headers.find(isContentType)?.[1];
  if (body === undefined || body === null || body === '') {
    // A declared content type is dropped: it cannot describe an empty entity.
    return { status: status ?? 204, headers: others };
  }
  if (declared !== undefined && !validMediaType(declared)) {
    throw badRequest(webMessages.httpUnknownContentType);
  }
  const mediaType = (declared ?? '').split(';')[0]!.trim().toLowerCase();
  if (typeof body !== 'string') {
    // interpretHttpResponseAsJson: a JSON value needs a JSON-family type (default application/json).
    if (declared !== undefined && !isJsonFamily(mediaType))
      throw badRequest(webMessages.httpContentTypeError);
    const type = declared === undefined || mediaType === 'application/json' ? 'application/json' : mediaType;
    return { ...jsonReply(status ?? 200, body, type), headers: others };
  }
  const type = declared ?? 'text/html';
  const binary = !isTextMediaType(mediaType || 'text/html');
  const bytes = binary || (isJsonFamily(mediaType) && isBase64(body)) ? fromBase64(body) : Buffer.from(body);
  return { status: status ?? 200, headers: others, body: bytes, contentType: withCharset(type, binary) };
}

function isTextMediaType(mediaType: string): boolean {
  return (
    mediaType.startsWith('text/') ||
    isJsonFamily(mediaType) ||
    mediaType.endsWith('+xml') ||
    ['application/xml', 'application/javascript', 'application/x-www-form-urlencoded'].includes(mediaType)
  );
}

/** Exec.isBinaryCode's test: the legacy base64-encoded JSON body. */
function isBase64(s: string): boolean {
  const t = s.trim();
  return t.length > 0 && t.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(t) && !/^[{[]/.test(t);
}

function fromBase64(s: string): Buffer {
  if (!/^[A-Za-z0-9+/=\s]*$/.test(s)) throw badRequest(webMessages.httpContentTypeError);
  return Buffer.from(s, 'base64');
}

/** Text types get UTF-8 as OpenWhisk's ContentType(mediaType, () => UTF-8) does. */
function withCharset(type: string, binary: boolean): string {
  if (binary || /;\s*charset=/i.test(type)) return type;
  return `${type}; charset=UTF-8`;
}
