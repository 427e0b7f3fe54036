/**
 * Lists as Neutron answers them (neutron.api.api_common): filters on any
 * attribute (repeated keys are alternatives), `fields=`, `sort_key` /
 * `sort_dir` pairs, and `limit` / `marker` / `page_reverse` pagination with
 * `<collection>_links` (next and previous), as its emulated sorting and
 * pagination helpers do.
 */
import type { RequestContext } from '../context.ts';
import type { HttpRequest } from '../http/route.ts';
import { pyStr } from './attributes.ts';
import { badRequest, badResourceRequest } from './errors.ts';
import { pyList, type ResourceDef, view } from './resource.ts';

const CONTROL = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse']);

type Item = Readonly<Record<string, unknown>>;

/** The non-empty values of a repeated query parameter (api_common.list_args). */
export function listArgs(search: URLSearchParams, name: string): string[] {
  return search.getAll(name).filter((v) => v !== '');
}

/** Query filters as {attribute: [values]} (get_filters_from_dict with filter validation on). */
export function filtersOf(def: ResourceDef, search: URLSearchParams, skip: readonly string[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const invalid: string[] = [];
  for (const key of new Set(search.keys())) {
    if (CONTROL.has(key) || skip.includes(key)) continue;
    const vals = search.getAll(key).filter((v) => v !== '');
    if (!(key in def.attrs) && !def.filters?.[key]) {
      invalid.push(key);
      continue;
    }
    if (vals.length) out.set(key, vals);
  }
  if (invalid.length) throw badRequest(`${pyList(invalid)} is invalid attribute for filtering`);
  return out;
}

/** Does one stored value equal a (converted) filter value? Lists match when any element does. */
function matchesValue(have: unknown, want: unknown): boolean {
  if (Array.isArray(have)) return have.some((h) => matchesValue(h, want));
  if (have === null || have === undefined) return want === null;
  if (typeof have === 'object') return false;
  return String(have) === String(want);
}

/** The items that pass every filter. */
export function applyFilters(def: ResourceDef, items: readonly Item[], filters: Map<string, string[]>): Item[] {
  const tests: ((i: Item) => boolean)[] = [];
  for (const [key, vals] of filters) {
    const custom = def.filters?.[key];
    if (custom) {
      tests.push((i) => custom(i, vals));
      continue;
    }
    const convert = def.attrs[key]?.convert;
    const wanted = vals.map((v) => (convert ? convert(v) : v));
    tests.push((i) => wanted.some((w) => matchesValue(i[key], w)));
  }
  return items.filter((i) => tests.every((t) => t(i)));
}

/** sort_key/sort_dir pairs (api_common.get_sorts). */
export function sortsOf(def: ResourceDef, search: URLSearchParams): [string, boolean][] {
  const keys = listArgs(search, 'sort_key');
  const dirs = listArgs(search, 'sort_dir');
  if (keys.length !== dirs.length) throw badRequest('The number of sort_keys and sort_dirs must be same');
  const absent = keys.filter((k) => !def.attrs[k]?.sort);
  if (absent.length) throw badRequest(`${pyList(absent)} is invalid attribute for sort_keys`);
  const bad = dirs.filter((d) => d !== 'asc' && d !== 'desc');
  if (bad.length) throw badRequest(`${pyList(bad)} is invalid value for sort_dirs, valid value is 'asc' and 'desc'`);
  return keys.map((k, i) => [k, dirs[i] === 'asc']);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function sortItems(items: Item[], sorts: readonly [string, boolean][]): Item[] {
  return [...items].sort((a, b) => {
    for (const [k, asc] of sorts) {
      const c = compare(a[k], b[k]);
      if (c) return asc ? c : -c;
    }
    return 0;
  });
}

/** limit (0 or more), marker and page_reverse (get_limit_and_marker, pagination_max_limit = -1). */
function pagingOf(search: URLSearchParams): { limit: number; marker: string | null; reverse: boolean } {
  const raw = search.get('limit') ?? '0';
  const limit = /^\s*[-+]?\d+\s*$/.test(raw) ? Number.parseInt(raw, 10) : Number.NaN;
  if (!(limit >= 0)) throw badResourceRequest('limit', `Limit must be an integer 0 or greater and not '${pyStr(raw)}'`);
  return { limit, marker: search.get('marker') || null, reverse: (search.get('page_reverse') ?? 'False').toLowerCase() === 'true' };
}

/** PaginationEmulatedHelper.paginate. */
function paginate(items: Item[], limit: number, marker: string | null, reverse: boolean): Item[] {
  if (!limit || !items.length) return limit ? [] : items;
  let i: number;
  if (marker) {
    i = items.findIndex((x) => x.id === marker);
    if (i < 0) return [];
  } else {
    i = reverse ? items.length : 0;
  }
  if (reverse) return items.slice(Math.max(i - limit, 0), i);
  if (marker) i += 1;
  return items.slice(i, i + limit);
}

/** The next/previous links (get_pagination_links), the query kept, marker replaced, in urlencode's form. */
function links(req: HttpRequest, page: Item[], limit: number, reverse: boolean, path: string): { rel: string; href: string }[] {
  if (!limit) return [];
  const href = (marker: string | undefined, pageReverse: boolean) => {
    const params = new URLSearchParams(req.search);
    params.delete('marker');
    params.delete('page_reverse');
    if (marker !== undefined) params.append('marker', marker);
    if (pageReverse) params.append('page_reverse', 'True');
    return `${req.baseUrl}${path}?${params.toString()}`;
  };
  const out: { rel: string; href: string }[] = [];
  const first = page[0]?.id;
  const last = page.at(-1)?.id;
  if (!(page.length < limit && !reverse)) out.push({ rel: 'next', href: href(last === undefined ? undefined : String(last), false) });
  if (!(page.length < limit && reverse)) out.push({ rel: 'previous', href: href(first === undefined ? undefined : String(first), true) });
  return out;
}

/**
 * The body of a list: the caller's visible items filtered, sorted, paged and
 * cut to `fields`, with `<collection>_links` when paging. `path` is the
 * collection's path for the links (e.g. /v2.0/networks).
 */
export function listBody(def: ResourceDef, req: HttpRequest, ctx: RequestContext, items: readonly Item[], path: string): Record<string, unknown> {
  const filtered = applyFilters(def, items, filtersOf(def, req.search));
  const sorts = sortsOf(def, req.search);
  const { limit, marker, reverse } = pagingOf(req.search);
  if (limit && !sorts.some(([k]) => k === 'id')) sorts.push(['id', true]);
  const sorted = sorts.length ? sortItems(filtered, sorts) : filtered;
  const page = paginate(sorted, limit, marker, reverse);
  const fields = listArgs(req.search, 'fields');
  const body: Record<string, unknown> = { [def.collection]: page.map((i) => view(def, i, ctx, fields)) };
  const l = links(req, page, limit, reverse, path);
  if (l.length) body[`${def.collection}_links`] = l;
  return body;
}
