/**
 * Request body validation with Keystone's messages (keystone.common.validation):
 * "Invalid input for field 'project/name': '' is too short".
 */
import type { Static, TSchema } from 'typebox';
import { matches, schemaError } from '../../http/validation.ts';
import { badRequest } from '../errors.ts';

/** Validate a body against a schema or answer 400 with Keystone's message. A missing body counts as `{}`. */
export function validateBody<S extends TSchema>(schema: S, body: unknown): Static<S> {
  const value = body === undefined ? {} : body;
  if (matches(schema, value)) return value;
  const e = schemaError(schema, value);
  if (!e) throw badRequest('Invalid input.');
  const path = e.path.join('/');
  throw badRequest(path ? `Invalid input for field '${path}': ${e.reason}` : e.reason);
}
