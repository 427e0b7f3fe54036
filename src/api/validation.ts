/**
 * Request validation with Nova's messages, on the kernel's jsonschema
 * wording: "Invalid input for field/attribute <name>. Value: <v>. <reason>".
 */

import type { Static, TSchema } from 'typebox';
import { matches, pyRepr, schemaError } from '../http/validation.ts';
import { badRequest } from './errors.ts';

export { oneOf } from '../util/one-of.ts';
export { pyRepr };

/** Python's str() of a value, as Nova's "Value: %(value)s" shows it: a string as it is, anything else as its repr. */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** exception.InvalidName for the `name` format (Nova says it without the field). */
export const INVALID_NAME = "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.";

/** Validate a request body against its JSON schema, answering 400 with Nova's message. */
export function validate<S extends TSchema>(schema: S, body: unknown): Static<S> {
  if (matches(schema, body)) return body;
  if (body === undefined || body === null) throw badRequest('The request body is missing or not valid JSON.');
  const e = schemaError(schema, body);
  if (!e) throw badRequest('Invalid input.');
  if (e.format === 'name') throw badRequest(INVALID_NAME);
  throw badRequest(`Invalid input for field/attribute ${e.path.at(-1) ?? ''}. Value: ${pyStr(e.value)}. ${e.reason}`);
}

/**
 * Nova's action_peek: an action body has exactly one key, the action's
 * name; anything else is "Malformed request body".
 */
export function actionName(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Malformed request body');
  const keys = Object.keys(body);
  const name = keys[0];
  if (keys.length !== 1 || name === undefined) throw badRequest('Malformed request body');
  return name;
}

/** The handler of an action from its table, or 400 "There is no such action". */
export function actionHandler<H>(table: Readonly<Record<string, H>>, name: string): H {
  const h = Object.hasOwn(table, name) ? table[name] : undefined;
  if (h === undefined) throw badRequest(`There is no such action: ${name}`);
  return h;
}

/** Parse a query parameter as a non-negative integer (limit, marker index…) or answer 400. */
export function queryInt(value: string | string[] | undefined, name: string, min = 0): number | undefined {
  const s = queryOne(value);
  if (s === undefined) return undefined;
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
