/**
 * GET /v2/images query string → ImageListQuery, with Glance's checks and
 * messages (RequestDeserializer.index, ImagesController.index and
 * glance.db.sqlalchemy.api._make_conditions_from_filters).
 */
import { dbTime } from '../../db/time.ts';
import { oneOf } from '../../util/one-of.ts';
import type { ColumnFilter, FilterColumn, FilterOp, ImageListQuery, SortDir, SortKey } from '../db/image-list.ts';
import { SORT_KEYS } from '../db/image-list.ts';
import { badRequest } from '../errors.ts';
import { MEMBER_STATUSES, VISIBILITIES } from '../types.ts';

/** The parsed query, before the marker is resolved to an image. */
export type ParsedListQuery = Omit<ImageListQuery, 'project' | 'isAdmin' | 'marker'> & { marker?: string };

const OPERATOR_COLUMNS = ['name', 'id', 'status', 'container_format', 'disk_format'] as const satisfies readonly FilterColumn[];
const RANGE_COLUMNS = ['size', 'virtual_size', 'min_disk', 'min_ram'] as const satisfies readonly FilterColumn[];
const EQUAL_COLUMNS = ['owner', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size', 'min_disk', 'min_ram'] as const satisfies readonly FilterColumn[];
const TIME_OPS = ['gt', 'gte', 'lt', 'lte', 'neq', 'eq'] as const satisfies readonly FilterOp[];
/** member_status: a membership status, or any. */
const MEMBER_FILTERS = [...MEMBER_STATUSES, 'all'] as const;
/** visibility: one, or 'all' (others' community images too). */
const VISIBILITY_FILTERS = [...VISIBILITIES, 'all'] as const;

function parseLimit(raw: string, conf: { limit_param_default: number; api_limit_max: number }): number {
  if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw badRequest('limit param must be an integer');
  const n = Number.parseInt(raw, 10);
  if (n < 0) throw badRequest('limit param must be positive');
  return Math.min(n, conf.api_limit_max);
}

function sortKey(key: string): SortKey {
  if (!oneOf(SORT_KEYS, key)) throw badRequest(`Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  return key;
}

function sortDir(dir: string): SortDir {
  if (dir !== 'asc' && dir !== 'desc') throw badRequest(`Invalid sort direction: ${dir}`);
  return dir;
}

/** `sort=name:asc,size` (new syntax) or `sort_key=…&sort_dir=…` (classic, repeatable). */
function parseSort(params: URLSearchParams): { key: SortKey; dir: SortDir }[] {
  if (params.has('sort')) {
    if (params.has('sort_key') || params.has('sort_dir')) throw badRequest('Old and new sorting syntax cannot be combined');
    return (params.getAll('sort').at(-1) ?? '')
      .trim()
      .split(',')
      .map((part) => {
        const i = part.indexOf(':');
        const key = i < 0 ? part : part.slice(0, i);
        const dir = i < 0 || part.slice(i + 1) === '' ? 'desc' : part.slice(i + 1);
        return { key: sortKey(key.trim()), dir: sortDir(dir.trim()) };
      });
  }
  const keys = params.getAll('sort_key').map((k) => sortKey(k.trim()));
  const dirs = params.getAll('sort_dir').map((d) => sortDir(d.trim()));
  if (dirs.length > 1 && dirs.length !== keys.length) throw badRequest('Number of sort dirs does not match the number of sort keys');
  if (keys.length === 0) keys.push('created_at');
  // Several dirs: one per key (checked above); one dir: for every key.
  return keys.map((key, i) => ({ key, dir: (dirs.length > 1 ? dirs[i] : dirs[0]) ?? 'desc' }));
}

/** glance.common.utils.split_filter_op: `in:a,b` / `eq:a`; a plain value is `eq`. */
function splitOp(expression: string): { op: string; value: string } {
  const i = expression.indexOf(':');
  if (i < 0 || isIsoTime(expression)) return { op: 'eq', value: expression };
  return { op: expression.slice(0, i), value: expression.slice(i + 1) };
}

function isIsoTime(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s) && !Number.isNaN(Date.parse(s));
}

/** Values of an `in:` filter: comma separated, double quotes protect commas (split_filter_value_for_quotes). */
function splitInValues(value: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)",?|([^,]+),?|,/g;
  for (const m of value.matchAll(re)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

function columnValue(raw: string): string | number {
  return /^-?\d+$/.test(raw) ? Number(raw) : raw;
}

function parseFilter(key: string, raw: string, filters: ColumnFilter[], properties: [string, string][]): void {
  const base = key.endsWith('_min') || key.endsWith('_max') ? key.slice(0, -4) : null;
  if (base !== null && oneOf(RANGE_COLUMNS, base)) {
    if (!/^\s*[-+]?\d+\s*$/.test(raw)) throw badRequest('Unable to filter on a range with a non-numeric value.');
    filters.push({ column: base, op: key.endsWith('_min') ? 'gte' : 'lte', value: Number.parseInt(raw, 10) });
  } else if (key === 'created_at' || key === 'updated_at') {
    const { op, value } = splitOp(raw);
    const t = Date.parse(value);
    if (!isIsoTime(value) || Number.isNaN(t)) throw badRequest(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
    if (!oneOf(TIME_OPS, op)) throw badRequest('Unable to filter on a unknown operator.');
    filters.push({ column: key, op, value: dbTime(new Date(t)) });
  } else if (oneOf(OPERATOR_COLUMNS, key)) {
    const { op, value } = splitOp(raw);
    if (op === 'in') filters.push({ column: key, op: 'in', value: splitInValues(value) });
    else if (op === 'eq') filters.push({ column: key, op: 'eq', value });
    else throw badRequest(`Unable to filter by unknown operator '${op}'.`);
  } else if (oneOf(EQUAL_COLUMNS, key)) {
    filters.push({ column: key, op: 'eq', value: columnValue(raw) });
  } else {
    properties.push([key, raw]);
  }
}

function boolFilter(name: 'os_hidden' | 'protected', raw: string | null, filters: ColumnFilter[]): void {
  if (raw === null) return;
  const v = raw.toLowerCase();
  if (v !== 'true' && v !== 'false') throw badRequest(`Invalid value '${raw}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  filters.push({ column: name, op: 'eq', value: v === 'true' ? 1 : 0 });
}

/** Parse GET /v2/images parameters. */
export function parseListQuery(query: URLSearchParams, conf: { limit_param_default: number; api_limit_max: number }): ParsedListQuery {
  const params = new URLSearchParams(query);
  const last = (k: string) => {
    const all = params.getAll(k);
    params.delete(k);
    return all.at(-1) ?? null;
  };
  const limitRaw = last('limit');
  const limit = limitRaw === null ? Math.min(conf.limit_param_default, conf.api_limit_max) : parseLimit(limitRaw, conf);
  const marker = last('marker') ?? undefined;
  const memberStatus = last('member_status') ?? 'accepted';
  if (!oneOf(MEMBER_FILTERS, memberStatus)) throw badRequest(`Invalid status: ${memberStatus}`);
  const tags = params.getAll('tag').map((t) => t.trim());
  params.delete('tag');
  const visibilityRaw = last('visibility');
  // An empty visibility is no filter.
  const visibility = visibilityRaw || undefined;
  if (visibility !== undefined && !oneOf(VISIBILITY_FILTERS, visibility)) throw badRequest(`Invalid visibility value: ${visibility}`);
  if (last('changes-since')) throw badRequest('The "changes-since" filter is no longer available on v2.');
  const sort = parseSort(params);
  for (const k of ['sort', 'sort_key', 'sort_dir']) params.delete(k);

  const filters: ColumnFilter[] = [];
  const properties: [string, string][] = [];
  boolFilter('os_hidden', last('os_hidden') ?? 'false', filters);
  boolFilter('protected', last('protected'), filters);
  // Each key is there at least once: its last value.
  for (const key of new Set(params.keys())) parseFilter(key, params.getAll(key).at(-1) ?? '', filters, properties);
  return {
    limit,
    marker,
    memberStatus,
    visibility,
    filters,
    properties,
    tags,
    sort,
  };
}
