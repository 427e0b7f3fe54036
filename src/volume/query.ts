/**
 * Lists as Cinder pages them (cinder/api/common.py): filters from the
 * query string checked against resource_filters.json for non-admins
 * ("Invalid filters … are found in query options."), `name~` like
 * filters from 3.34, `sort=key:dir,…` (or sort_key/sort_dir; default
 * created_at desc), `marker`, `limit` (at most osapi_max_limit), `offset`,
 * `with_count` from 3.45.
 */
import { atLeast } from '../http/microversion.ts';
import { badRequest, notFound } from './errors.ts';
import type { VolumeRequest } from './http.ts';

/** Parameters that are not filters. */
const PAGING = new Set(['marker', 'limit', 'offset', 'sort', 'sort_key', 'sort_dir', 'with_count', 'all_tenants', 'project_id']);

/** One query parameter as a string (the last of repeated ones). */
export function param(req: VolumeRequest, name: string): string | undefined {
  const v = req.query[name];
  return Array.isArray(v) ? v.at(-1) : v;
}

export function boolParam(value: string | undefined, name: string): boolean {
  if (value === undefined) return false;
  const v = value.toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(v)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(v)) return false;
  throw badRequest(`Invalid value '${value}' for ${name}: must be a boolean.`);
}

/** all_tenants for an admin (a non-admin's is ignored, as Cinder's). */
export function allTenants(req: VolumeRequest): boolean {
  const v = param(req, 'all_tenants');
  return req.ctx.is_admin && v !== undefined && (v === '' || boolParam(v, 'all_tenants'));
}

/** The filters of a list request: name → value, `like` for the `~` ones. */
export interface Filter {
  readonly key: string;
  readonly value: string;
  readonly like: boolean;
}

export function filtersOf(req: VolumeRequest, allowed: readonly string[]): Filter[] {
  const out: Filter[] = [];
  const invalid: string[] = [];
  const likeOk = atLeast(req.version, '3.34');
  for (const key of Object.keys(req.query)) {
    if (PAGING.has(key)) continue;
    const like = likeOk && key.endsWith('~');
    const name = like ? key.slice(0, -1) : key;
    if (!req.ctx.is_admin && !allowed.includes(name)) invalid.push(key);
    else out.push({ key: name, value: param(req, key) ?? '', like });
  }
  if (invalid.length) throw badRequest(`Invalid filters ${invalid.join(',')} are found in query options.`);
  return out;
}

/** Does an item's value match a filter's (strings compared as Cinder's exact or like filters)? */
export function matches(value: unknown, f: Filter): boolean {
  if (value === undefined) return true;
  if (value !== null && typeof value === 'object') {
    // JSON, or the Python dict repr cinderclient sends ({'k': 'v'}; Cinder reads it with literal_eval).
    let wanted: unknown;
    try {
      wanted = JSON.parse(f.value);
    } catch {
      try {
        wanted = JSON.parse(f.value.replace(/'/g, '"'));
      } catch {
        return false;
      }
    }
    if (!wanted || typeof wanted !== 'object') return false;
    const have = new Map(Object.entries(value));
    return Object.entries(wanted).every(([k, v]) => have.get(k) === String(v));
  }
  const s = value === null ? '' : String(value);
  return f.like ? s.toLowerCase().includes(f.value.toLowerCase()) : s === f.value || (typeof value === 'boolean' && s === String(boolParam(f.value, f.key)));
}

function limitOf(req: VolumeRequest, max: number): number | undefined {
  const raw = param(req, 'limit');
  if (raw === undefined) return undefined;
  if (!/^-?\d+$/.test(raw)) throw badRequest('limit param must be an integer');
  const n = Number(raw);
  if (n < 0) throw badRequest('limit param must be positive');
  return Math.min(n, max);
}

function sortOf(req: VolumeRequest, keys: readonly string[]): [string, 'asc' | 'desc'][] {
  const sort = param(req, 'sort');
  const out: [string, 'asc' | 'desc'][] = [];
  if (sort !== undefined) {
    if (param(req, 'sort_key') !== undefined || param(req, 'sort_dir') !== undefined) {
      throw badRequest("The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.");
    }
    for (const part of sort.split(',')) {
      const [k = '', d = 'desc'] = part.trim().split(':');
      out.push([k.trim(), d.trim().toLowerCase() === 'asc' ? 'asc' : 'desc']);
      if (!['asc', 'desc'].includes(d.trim().toLowerCase())) throw badRequest(`Invalid input received: Invalid sort direction: ${d}`);
    }
  } else {
    out.push([param(req, 'sort_key') ?? 'created_at', param(req, 'sort_dir')?.toLowerCase() === 'asc' ? 'asc' : 'desc']);
  }
  for (const [k] of out) if (!keys.includes(k)) throw badRequest(`Invalid input received: Invalid sort key ${k}`);
  return out;
}

const cmpValues = (a: unknown, b: unknown): number => {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = a === null || a === undefined ? '' : String(a);
  const y = b === null || b === undefined ? '' : String(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** One page of `items` (already filtered) as the request asks, the total when asked for, and whether it is full. */
export function paginate<T extends { id: string }>(
  req: VolumeRequest,
  items: readonly T[],
  opts: { sortKeys: readonly string[]; maxLimit: number; key: (item: T, k: string) => unknown },
): { page: T[]; count: number | undefined; full: boolean } {
  const get = opts.key;
  const sorts = sortOf(req, opts.sortKeys);
  if (!sorts.some(([k]) => k === 'id')) sorts.push(['id', sorts[0]?.[1] ?? 'desc']);
  const sorted = [...items].sort((a, b) => {
    for (const [k, d] of sorts) {
      const c = cmpValues(get(a, k), get(b, k));
      if (c !== 0) return d === 'asc' ? c : -c;
    }
    return 0;
  });
  let start = 0;
  const marker = param(req, 'marker');
  if (marker !== undefined) {
    const i = sorted.findIndex((x) => x.id === marker);
    if (i < 0) throw notFound(`Marker ${marker} could not be found.`);
    start = i + 1;
  }
  const offsetRaw = param(req, 'offset');
  if (offsetRaw !== undefined) {
    if (!/^\d+$/.test(offsetRaw)) throw badRequest('offset param must be an integer');
    start += Number(offsetRaw);
  }
  const limit = limitOf(req, opts.maxLimit);
  const page = sorted.slice(start, limit === undefined ? start + opts.maxLimit : start + limit);
  const withCount = atLeast(req.version, '3.45') && boolParam(param(req, 'with_count'), 'with_count');
  const full = page.length > 0 && page.length === (limit ?? opts.maxLimit);
  return { page, count: withCount ? items.length : undefined, full };
}
