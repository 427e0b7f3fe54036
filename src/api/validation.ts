import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Static, TSchema } from 'typebox';
import { badRequest } from './errors.ts';

const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false });
const addFormats = addFormatsModule as unknown as (a: Ajv, formats: string[]) => void;
addFormats(ajv, ['ipv4', 'ipv6', 'uuid', 'date-time', 'uri', 'hostname', 'email']);
const compiled = new WeakMap<object, ValidateFunction>();

/** Render a value as Python's repr would (Nova's messages come from jsonschema in Python). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `'${k}': ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

function reason(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `'${p.missingProperty}' is a required property`;
    case 'additionalProperties':
      return `Additional properties are not allowed ('${p.additionalProperty}' was unexpected)`;
    case 'minLength':
      return `${pyRepr(value)} is too short`;
    case 'maxLength':
      return `${pyRepr(value)} is too long`;
    case 'type':
      return `${pyRepr(value)} is not of type ${String(p.type)
        .split(',')
        .map((t) => `'${t === 'integer' ? 'integer' : t}'`)
        .join(', ')}`;
    case 'minimum':
      return `${pyRepr(value)} is less than the minimum of ${p.limit}`;
    case 'maximum':
      return `${pyRepr(value)} is greater than the maximum of ${p.limit}`;
    case 'enum':
      return `${pyRepr(value)} is not one of ${pyRepr(p.allowedValues)}`;
    case 'const':
      return `${pyRepr(p.allowedValue)} was expected`;
    case 'pattern':
      return `${pyRepr(value)} does not match '${p.pattern}'`;
    case 'format':
      return `${pyRepr(value)} is not a '${p.format}'`;
    case 'anyOf':
    case 'oneOf':
      return `${pyRepr(value)} is not valid under any of the given schemas`;
    case 'minItems':
      return `${pyRepr(value)} is too short`;
    case 'maxItems':
      return `${pyRepr(value)} is too long`;
    case 'uniqueItems':
      return `${pyRepr(value)} has non-unique elements`;
    case 'minProperties':
      return `${pyRepr(value)} does not have enough properties`;
    case 'maxProperties':
      return `${pyRepr(value)} has too many properties`;
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

/**
 * Validate a request body against its JSON schema, answering 400 with
 * Nova's message: "Invalid input for field/attribute <name>. Value: <v>. <reason>".
 */
export function validate<S extends TSchema>(schema: S, body: unknown): Static<S> {
  let fn = compiled.get(schema);
  if (!fn) {
    const made = ajv.compile(schema as object);
    compiled.set(schema, made);
    fn = made;
  }
  if (fn(body)) return body as Static<S>;
  const e = (fn.errors ?? [])[0];
  if (!e) throw badRequest('Invalid input.');
  const value = valueAt(body, e.instancePath);
  const parts = e.instancePath.split('/').filter(Boolean);
  const field = parts.at(-1) ?? '';
  if (body === undefined || body === null) throw badRequest('The request body is missing or not valid JSON.');
  throw badRequest(`Invalid input for field/attribute ${field}. Value: ${pyRepr(value)}. ${reason(e, value)}`);
}

/** Parse a query parameter as a non-negative integer (limit, marker index…) or answer 400. */
export function queryInt(value: string | string[] | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const s = Array.isArray(value) ? (value.at(-1) as string) : value;
  if (!/^-?\d+$/.test(s) || Number(s) < min) throw badRequest(`Invalid input for query parameters ${name}. Value: ${s}. '${s}' is not a valid integer >= ${min}`);
  return Number(s);
}

/** The last value of a query parameter (repeated parameters: the last wins, as webob's). */
export function queryOne(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.at(-1) : value;
}

export function queryAll(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Nova's boolean query parsing (strutils.bool_from_string, strict). */
export function queryBool(value: string | string[] | undefined, name: string): boolean | undefined {
  const s = queryOne(value);
  if (s === undefined) return undefined;
  const l = s.toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(l)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(l)) return false;
  throw badRequest(`Invalid input for query parameters ${name}. Value: ${s}. '${s}' is not a valid boolean`);
}
