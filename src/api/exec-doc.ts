/**
 * A code or blackbox `exec` of an action PUT, read as OpenWhisk's Exec.serdes reads it (core/entity/
 * Exec.scala) against the runtime manifest:
 * - the kind is trimmed and lower-cased; `<family>:default` becomes the family's default kind;
 *   a kind the manifest does not list is refused with Messages.invalidRuntimeError;
 * - `blackbox` needs an `image` (Docker's reference grammar), stored as its resolved name; its code
 *   is optional (blank code is none);
 * - a manifest kind needs `code`, and `main` where the manifest says `requireMain`.
 * Every refusal is a DeserializationException in OpenWhisk, which the REST API answers 400
 * "The request content was malformed:\n<message>".
 */
import {
  blackboxKind,
  invalidRuntimeError,
  parseImageName,
  resolveImageName,
  type Runtimes,
} from '../protocol/index.js';
import type { ActionDocument } from '../protocol/index.js';
import { badRequest, type ApiError } from './errors.js';

const malformed = (detail: string): ApiError => badRequest(`The request content was malformed:\n${detail}`);

const base64Pattern = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$/;

/** Exec.isBinaryCode: base64 text is a zip or tar.gz archive. */
export function isBinaryCode(code: string): boolean {
  const trimmed = code.trim();
  return trimmed.length > 0 && trimmed.length % 4 === 0 && base64Pattern.test(trimmed);
}

export interface CodeExecPut {
  kind: string;
  code?: string;
  main?: string;
  image?: unknown;
  [k: string]: unknown;
}

function mainOf(exec: CodeExecPut): string | undefined {
  return exec.main !== undefined && exec.main !== '' ? exec.main : undefined;
}

function blackboxExec(exec: CodeExecPut): ActionDocument['exec'] {
  if (typeof exec.image !== 'string') {
    throw malformed(`'image' must be a string defined in 'exec' for '${blackboxKind}' actions`);
  }
  const image = parseImageName(exec.image);
  if (image === undefined) throw malformed('could not parse image name');
  const code = exec.code !== undefined && exec.code.trim() !== '' ? exec.code : undefined;
  const resolved: ActionDocument['exec'] = {
    kind: blackboxKind,
    image: resolveImageName(image),
    binary: code !== undefined && isBinaryCode(code),
  };
  if (code !== undefined) resolved.code = code;
  const main = mainOf(exec);
  if (main !== undefined) resolved.main = main;
  return resolved;
}

/** The stored exec for a non-sequence PUT, or a 400 in OpenWhisk's words. */
export function resolveCodeExec(exec: CodeExecPut, runtimes: Runtimes): ActionDocument['exec'] {
  const kind = exec.kind.trim().toLowerCase();
  if (kind === blackboxKind) return blackboxExec(exec);
  const manifest = runtimes.resolve(kind);
  if (manifest === undefined) throw malformed(invalidRuntimeError(kind, runtimes.validKinds));
  if (exec.code === undefined) {
    throw malformed(`'code' must be a string or attachment object defined in 'exec' for '${kind}' actions`);
  }
  const main = mainOf(exec);
  if (main === undefined && manifest.requireMain === true) {
    throw malformed(`'main' must be a string defined in 'exec' for '${kind}' actions`);
  }
  const resolved: ActionDocument['exec'] = {
    kind: manifest.kind,
    code: exec.code,
    binary: isBinaryCode(exec.code),
  };
  if (main !== undefined) resolved.main = main;
  return resolved;
}
