/**
 * Building blocks shared by the request schemas, after Nova's
 * nova/api/validation/parameter_types.py, and the checks Nova's validator
 * makes that plain JSON Schema cannot: minimum/maximum on numbers given as
 * strings ("512"), and the `name` format (printable, no surrounding
 * whitespace).
 */
import { Type } from 'typebox';
import { registerFormat } from '../../../http/validation.ts';
import { badRequest } from '../../errors.ts';
import { INVALID_NAME } from '../../validation.ts';

/** nova/db/constants.py MAX_INT. */
export const MAX_INT = 0x7fffffff;

/** The values parameter_types.boolean accepts, in Nova's order. */
export const BOOLEAN_VALUES: readonly (boolean | string)[] = [
  true,
  'True',
  'TRUE',
  'true',
  '1',
  'ON',
  'On',
  'on',
  'YES',
  'Yes',
  'yes',
  false,
  'False',
  'FALSE',
  'false',
  '0',
  'OFF',
  'Off',
  'off',
  'NO',
  'No',
  'no',
];

/** parameter_types.boolean: a JSON boolean or one of its string spellings. */
export const boolean = Type.Unsafe<boolean | string>({ type: ['boolean', 'string'], enum: [...BOOLEAN_VALUES] });

/** An integer given as a JSON integer or a string of digits (volume_size, flavor_param_*): range checked by {@link checkNumberRange}. */
export function integerOrDigits(pattern = '^[0-9]+$') {
  return Type.Unsafe<number | string>({ type: ['integer', 'string'], pattern });
}

/** Printable characters (Unicode BMP, not control/format, no line or paragraph separators), as Nova's _build_regex_range(). */
const PRINTABLE = '(?:(?![\\p{C}\\p{Zl}\\p{Zp}])[\\u0000-\\uFFFF])';
/** parameter_types.valid_description_regex. */
export const DESCRIPTION_PATTERN = `^${PRINTABLE}*$`;
const NAME_RE = new RegExp(`^(?![\\p{C}\\p{Z}])${PRINTABLE}*(?<![\\p{C}\\p{Z}])$`, 'u');

/** The `name` format: printable characters, no leading or trailing whitespace (400 with Nova's InvalidName message otherwise). */
export function checkName(value: string): void {
  if (!NAME_RE.test(value)) throw badRequest(INVALID_NAME);
}

/**
 * Nova's `base64` format (oslo_serialization.base64.decode_as_bytes, i.e.
 * Python's base64.b64decode, not strict): characters outside the alphabet
 * are skipped, the data characters must come in whole quads, and a pad
 * ends the data. Non-ASCII text is refused (Python would fail decoding it).
 */
export function isPythonBase64(value: string): boolean {
  if ([...value].some((c) => (c.codePointAt(0) ?? 0) > 0x7f)) return false;
  let quad = 0;
  let pads = 0;
  for (const c of value) {
    if (c === '=') {
      // binascii: a pad after at least two data characters of a quad, completing it, ends the input.
      if (quad >= 2 && quad + ++pads >= 4) return true;
      continue;
    }
    if (!/[A-Za-z0-9+/]/.test(c)) continue;
    pads = 0;
    quad = (quad + 1) % 4;
  }
  return quad === 0;
}

// The formats of Nova's validators: checked with Nova's rules wherever a schema names them.
registerFormat('base64', isPythonBase64);
registerFormat('name', (v) => NAME_RE.test(v));

/** parameter_types.name: 1–255 printable characters, no surrounding whitespace (InvalidName otherwise). */
export const name = Type.String({ minLength: 1, maxLength: 255, format: 'name' });
/** parameter_types.description: printable, at most 255 characters, or null. */
export const description = Type.Unsafe<string | null>({ type: ['string', 'null'], minLength: 0, maxLength: 255, pattern: DESCRIPTION_PATTERN });
/** parameter_types.metadata: keys of 1–255 of the allowed characters, string values of at most 255. */
export const metadata = Type.Record(Type.String({ pattern: '^[a-zA-Z0-9-_:. ]{1,255}$' }), Type.String({ maxLength: 255 }), { additionalProperties: false });
/** parameter_types.fqdn (host names). */
export const fqdn = Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' });
/** parameter_types.ip_address: an IPv4 or IPv6 address. */
export const ipAddress = Type.Unsafe<string>({ type: 'string', oneOf: [{ format: 'ipv4' }, { format: 'ipv6' }] });

/** Python's int()/float() of a JSON value, as Nova's validator converts strings before minimum/maximum. */
export function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return null;
  const s = value.trim();
  if (/^[-+]?\d+$/.test(s) || /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  return null;
}

/**
 * Nova's minimum/maximum on a value that may be a numeric string:
 * "Invalid input for field/attribute ram. Value: 0. 0 is less than the minimum of 1".
 */
export function checkNumberRange(field: string, value: unknown, min: number | null, max: number | null, exclusiveMin = false): void {
  const n = numberOf(value);
  if (n === null) return;
  const shown = typeof value === 'string' ? value : String(value);
  if (min !== null && (exclusiveMin ? n <= min : n < min)) {
    throw badRequest(`Invalid input for field/attribute ${field}. Value: ${shown}. ${n} is less than ${exclusiveMin ? 'or equal to ' : ''}the minimum of ${min}`);
  }
  if (max !== null && n > max) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${shown}. ${n} is greater than the maximum of ${max}`);
}

/** oslo strutils.bool_from_string: strict raises on anything unknown; otherwise unknown is false. */
export function boolFromString(value: unknown, strict = false): boolean {
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  if (strict) {
    throw badRequest(`Unrecognized value '${String(value)}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`);
  }
  return false;
}

/** uuidutils.is_uuid_like: a UUID with or without dashes, any case. */
export function isUuidLike(s: string): boolean {
  return /^[0-9a-f]{32}$/i.test(s.replace(/-/g, ''));
}

/** nova.utils.validate_integer's int(str(value)) check. */
export function isIntegerString(s: string): boolean {
  return /^\s*[-+]?\d+\s*$/.test(s);
}

/** The last path segment of an href, or the value itself (flavorRef/imageRef may be links). */
export function refId(ref: string | number): string {
  const s = String(ref);
  return s.includes('/') ? (s.split('/').filter(Boolean).at(-1) ?? s) : s;
}
