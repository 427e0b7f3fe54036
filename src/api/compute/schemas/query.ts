/**
 * Query string validation as Nova's @validation.query_schema does it: every
 * parameter is a list of strings (multi_params, or single_param with at most
 * one value), checked item by item, with Nova's messages
 * ("Invalid input for query parameters limit. Value: abc. 'abc' does not
 * match '^[0-9]*$'"). Before 2.75 unknown parameters are stripped (ignored);
 * from 2.75 they are a 400.
 */

import { parseIso8601 } from '../../../util/iso8601.ts';
import { badRequest } from '../../errors.ts';
import { pyRepr } from '../../validation.ts';
import { BOOLEAN_VALUES } from './parameter-types.ts';

export type Query = Readonly<Record<string, string | string[]>>;

export interface ParamSpec {
  /** single_param: at most one value (maxItems 1). */
  readonly single?: boolean;
  /** string (default), non_negative_integer, parameter_types.boolean, parameter_types.fqdn, a `regex` (common_query_regex_param), a `date-time`. */
  readonly kind?: 'string' | 'nonNegativeInt' | 'boolean' | 'fqdn' | 'regex' | 'dateTime';
  readonly enum?: readonly string[];
}

export type QuerySpec = Readonly<Record<string, ParamSpec>>;

/** The limit/marker pair of parameter_types.pagination_parameters. */
export const PAGINATION: QuerySpec = { limit: { kind: 'nonNegativeInt' }, marker: {} };

function compiles(v: string): boolean {
  if (!v) return false;
  try {
    new RegExp(v);
    return true;
  } catch {
    return false;
  }
}

function fail(name: string, value: string, reason: string): never {
  throw badRequest(`Invalid input for query parameters ${name}. Value: ${value}. ${reason}`);
}

function checkItem(name: string, spec: ParamSpec, v: string): void {
  switch (spec.kind) {
    case 'nonNegativeInt':
      if (!/^[0-9]*$/.test(v)) fail(name, v, `${pyRepr(v)} does not match '^[0-9]*$'`);
      if (v.length < 1) fail(name, v, `${pyRepr(v)} is too short`);
      break;
    case 'boolean':
      if (!BOOLEAN_VALUES.includes(v)) fail(name, v, `${pyRepr(v)} is not one of ${pyRepr(BOOLEAN_VALUES)}`);
      break;
    case 'regex':
      // validators._validate_regex_format: a non-empty string that compiles.
      if (!compiles(v)) fail(name, v, `${pyRepr(v)} is not a 'regex'`);
      break;
    case 'dateTime':
      if (parseIso8601(v) === null) fail(name, v, `${pyRepr(v)} is not a 'date-time'`);
      break;
    case 'fqdn':
      if (v.length < 1) fail(name, v, `${pyRepr(v)} is too short`);
      if (v.length > 255) fail(name, v, `${pyRepr(v)} is too long`);
      if (!/^[a-zA-Z0-9-._]*$/.test(v)) fail(name, v, `${pyRepr(v)} does not match '^[a-zA-Z0-9-._]*$'`);
      break;
    default:
      break;
  }
  if (spec.enum && !spec.enum.includes(v)) fail(name, v, `${pyRepr(v)} is not one of ${pyRepr(spec.enum)}`);
}

/**
 * Validate a query string against a Nova query schema. Returns the query
 * with unknown parameters stripped (what Nova's handlers and next links see).
 * `strict` (additionalProperties false, 2.75+ for most resources): unknown
 * parameters are a 400.
 */
export function validateQuery(query: Query, spec: QuerySpec, strict: boolean, patternProperties?: RegExp): Query {
  const out: Record<string, string | string[]> = {};
  for (const [name, ps] of Object.entries(spec)) {
    const raw = query[name];
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) checkItem(name, ps, v);
    if (ps.single && values.length > 1) fail(name, pyRepr(values), `${pyRepr(values)} is too long`);
    out[name] = raw;
  }
  // Names matching patternProperties (strings, any number) are kept, as the schema allows them.
  for (const [name, raw] of Object.entries(query)) if (!Object.hasOwn(spec, name) && patternProperties?.test(name)) out[name] = raw;
  const extras = Object.keys(query).filter((k) => !Object.hasOwn(spec, k) && !patternProperties?.test(k));
  if (strict && extras.length > 0) {
    const listed = extras.map((k) => pyRepr(k)).join(', ');
    throw badRequest(`Additional properties are not allowed (${listed} ${extras.length === 1 ? 'was' : 'were'} unexpected)`);
  }
  return out;
}

/** webob's request.GET[name]: the last value of a repeated parameter. */
export function last(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v.at(-1) : v;
}

/** webob's request.GET.getall(name)[0]: the first value. */
export function first(query: Query, name: string): string | undefined {
  const v = query[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * common.get_limit_and_marker: limit capped at [api] max_limit (default
 * max_limit), marker as given. Call after {@link validateQuery}.
 */
export function limitAndMarker(query: Query, maxLimit: number): { limit: number; marker: string | undefined } {
  const l = last(query, 'limit');
  const limit = l === undefined ? maxLimit : Math.min(maxLimit, Number(l));
  return { limit, marker: last(query, 'marker') };
}

/**
 * The `<collection>_links` of a list, as Nova's _get_collection_links: a
 * `next` link when the page is full (min(limit param or max_limit,
 * max_limit) items came back), with the query sorted, one value per name and
 * the marker set to the last item. Null when the page is not full.
 */
export function collectionLinks(
  baseUrl: string,
  path: string,
  query: Query,
  count: number,
  maxLimit: number,
  lastId: () => string | number,
): { rel: string; href: string }[] | null {
  const l = last(query, 'limit');
  const maxItems = Math.min(l === undefined ? maxLimit : Number(l), maxLimit);
  if (!maxItems || maxItems !== count) return null;
  const params = new Map<string, string>();
  for (const k of Object.keys(query).sort()) {
    const v = last(query, k);
    if (v !== undefined) params.set(k, v);
  }
  params.set('marker', String(lastId()));
  const qs = new URLSearchParams([...params.entries()]).toString();
  return [{ rel: 'next', href: `${baseUrl}/v2.1/${path}?${qs}` }];
}
