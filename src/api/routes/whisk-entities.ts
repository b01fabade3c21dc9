/**
 * What the trigger and rule routes share: reading a document with OpenWhisk's answers for an id that
 * holds another kind of entity (409 "Resource by this name exists but is not in this collection.")
 * and for a lost write race (409).
 */
import type { Request, Response } from 'express';
import { checkEntityName } from '../action-doc.js';
import { resolveNamespace } from '../auth.js';
import { identityOf } from '../context.js';
import { ApiError } from '../errors.js';
import type { WhiskEntityPort } from '../ports.js';
import { ruleMessages } from '../trigger-rule-doc.js';

export function isTypeMismatch(err: unknown): boolean {
  return err instanceof Error && err.name === 'DocumentTypeMismatchError';
}

export function isWriteConflict(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === 409;
}

/** The document, or undefined; another entity kind under that id is OpenWhisk's conformance 409. */
export async function readEntity<D>(
  port: WhiskEntityPort<D>,
  namespace: string,
  name: string,
): Promise<D | undefined> {
  try {
    return await port.get(namespace, name);
  } catch (err) {
    if (isTypeMismatch(err)) throw new ApiError(409, ruleMessages.conformance);
    throw err;
  }
}

/** The document, or undefined also when the id holds another kind of entity (a rule's references). */
export async function readReferenced<D>(
  port: WhiskEntityPort<D>,
  namespace: string,
  name: string,
): Promise<D | undefined> {
  try {
    return await port.get(namespace, name);
  } catch (err) {
    if (isTypeMismatch(err)) return undefined;
    throw err;
  }
}

/** `{ns}` and `{name}` of an entity route, checked and resolved against the caller. */
export function entityTarget(req: Request, res: Response): { namespace: string; name: string } {
  const namespace = resolveNamespace(identityOf(res), String(req.params.ns));
  const name = String(req.params.name);
  checkEntityName(name);
  return { namespace, name };
}
