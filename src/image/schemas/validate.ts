import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { pyRepr } from '../../api/validation.ts';
import { imageSchema } from './image.ts';

const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false });
let compiled: ValidateFunction | null = null;

/** jsonschema's wording (Glance validates with the python jsonschema library). */
function reason(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type': {
      const types = Array.isArray(p.type) ? p.type : String(p.type).split(',');
      return `${pyRepr(value)} is not of type ${types.map((t) => `'${t}'`).join(', ')}`;
    }
    case 'enum':
      return `${pyRepr(value)} is not one of ${pyRepr(p.allowedValues)}`;
    case 'maxLength':
      return `${pyRepr(value)} is too long`;
    case 'pattern':
      return `${pyRepr(value)} does not match '${String(p.pattern)}'`;
    case 'required':
      return `'${String(p.missingProperty)}' is a required property`;
    default:
      return `${pyRepr(value)} is invalid (${e.message ?? e.keyword})`;
  }
}

function valueAt(obj: unknown, pointer: string): unknown {
  let v = obj;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

/**
 * Validate (part of) an image against the image schema; returns Glance's
 * InvalidObject message, or null when valid.
 */
export function imageSchemaError(obj: Record<string, unknown>): string | null {
  compiled ??= ajv.compile(imageSchema());
  if (compiled(obj)) return null;
  const e = compiled.errors?.[0];
  if (!e) return "Provided object does not match schema 'image'";
  return `Provided object does not match schema 'image': ${reason(e, valueAt(obj, e.instancePath))}`;
}
