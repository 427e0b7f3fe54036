/**
 * Request body validation with Keystone's messages (keystone.common.validation):
 * "Invalid input for field 'project/name': '' is too short".
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Static, TSchema } from 'typebox';
import { pyRepr } from '../../api/validation.ts';
import { badRequest } from '../errors.ts';

const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false });
const compiled = new WeakMap<object, ValidateFunction>();

function reason(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `'${String(p.missingProperty)}' is a required property`;
    case 'additionalProperties':
      return `Additional properties are not allowed ('${String(p.additionalProperty)}' was unexpected)`;
    case 'minLength':
    case 'minItems':
      return `${pyRepr(value)} is too short`;
    case 'maxLength':
    case 'maxItems':
      return `${pyRepr(value)} is too long`;
    case 'type':
      return `${pyRepr(value)} is not of type ${String(p.type)
        .split(',')
        .map((t) => `'${t}'`)
        .join(', ')}`;
    case 'enum':
      return `${pyRepr(value)} is not one of ${pyRepr(p.allowedValues)}`;
    case 'pattern':
      return `${pyRepr(value)} does not match '${String(p.pattern)}'`;
    case 'anyOf':
    case 'oneOf':
      return `${pyRepr(value)} is not valid under any of the given schemas`;
    case 'minProperties':
      return `${pyRepr(value)} does not have enough properties`;
    default:
      return e.message ?? 'is invalid';
  }
}

function valueAt(body: unknown, pointer: string): unknown {
  let v = body;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

/** Validate a body against a schema or answer 400 with Keystone's message. A missing body counts as `{}`. */
export function validateBody<S extends TSchema>(schema: S, body: unknown): Static<S> {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema as object);
    compiled.set(schema, fn);
  }
  const value = body === undefined ? {} : body;
  if (fn(value)) return value as Static<S>;
  const e = fn.errors?.[0];
  if (!e) throw badRequest('Invalid input.');
  const path = e.instancePath.split('/').slice(1).join('/');
  const why = reason(e, valueAt(value, e.instancePath));
  throw badRequest(path ? `Invalid input for field '${path}': ${why}` : why);
}
