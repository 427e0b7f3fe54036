/**
 * The search options of a server list, as ServersController._get_servers
 * and compute.api.API.get_all turn the query into database filters: the
 * options a non-admin may use per microversion (the others are dropped),
 * status into vm and task states, the deleted and changes-since rules,
 * all_tenants and the project, sorting, and which options are exact,
 * regular-expression or Python-side (ip, ip6) matches.
 */
import type { RequestContext } from '../../context.ts';
import { type InstanceFilters, REGEX_COLUMNS, type RegexColumn } from '../../db/api/instances.ts';
import { taskAndVmStateFromStatus } from '../../objects/states.ts';
import { badRequest, forbidden } from '../errors.ts';
import { atLeast, type Microversion } from '../microversion.ts';
import { allowed, authorize } from '../policy.ts';
import type { Query } from './schemas/query.ts';
import { ignoredSortKeys, JOINED_TABLE_PARAMS } from './schemas/server-query.ts';
import { parseIsoToDb } from './views/common.ts';

const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'] as const;
const PAGING_SORTING = ['sort_key', 'sort_dir', 'limit', 'marker'];

/** _get_server_search_options: what a caller without allow_all_filters may filter on. */
function nonAdminOptions(v: Microversion): string[] {
  const opts = ['reservation_id', 'name', 'status', 'image', 'flavor', 'ip', 'changes-since', 'all_tenants'];
  if (atLeast(v, '2.5')) opts.push('ip6');
  if (atLeast(v, '2.26')) opts.push(...TAG_FILTERS);
  if (atLeast(v, '2.66')) opts.push('changes-before');
  if (atLeast(v, '2.73')) opts.push('locked');
  if (atLeast(v, '2.83')) {
    opts.push('availability_zone', 'config_drive', 'key_name', 'created_at', 'launched_at', 'terminated_at', 'power_state', 'task_state', 'vm_state', 'progress', 'user_id');
  }
  if (atLeast(v, '2.90')) opts.push('hostname');
  return opts;
}

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE = ['0', 'f', 'false', 'off', 'n', 'no'];

/** strutils.bool_from_string; strict: exception.InvalidInput (400) for anything else. */
function boolOf(value: string, strict: boolean): boolean {
  const v = value.trim().toLowerCase();
  if (TRUE.includes(v)) return true;
  if (FALSE.includes(v) || !strict) return false;
  const acceptable = [...TRUE, ...FALSE]
    .sort()
    .map((s) => `'${s}'`)
    .join(', ');
  throw badRequest(`Invalid input received: Unrecognized value '${value}', acceptable values are: ${acceptable}`);
}

const lastOf = (v: string | readonly string[]): string => (typeof v === 'string' ? v : (v.at(-1) ?? ''));
const allOf = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]);

/** What a list asks of the database, and what is matched after it. */
export interface ServerSearch {
  readonly filters: InstanceFilters;
  readonly sort: { key: string; dir: 'asc' | 'desc' }[];
  /** The flavor option: its flavorid (the instances of another flavor, or of none when it does not exist, do not match). */
  readonly flavor?: string;
  /** compute.api._ip_filter on the fixed addresses (regular expressions). */
  readonly ip?: string;
  readonly ip6?: string;
  /** Nothing can match (an unknown status before 2.38). */
  readonly none: boolean;
}

/** _get_servers and compute.api.get_all up to the database call. Throws Nova's 400/403s. */
export function serverSearch(ctx: RequestContext, v: Microversion, query: Query, detail: boolean): ServerSearch {
  const opts = new Map<string, string | readonly string[]>(Object.entries(query).map(([k, val]) => [k, lastOf(val)]));
  if (allowed(ctx, 'os_compute_api:servers:allow_all_filters')) {
    for (const k of PAGING_SORTING) opts.delete(k);
  } else {
    const allowedOpts = nonAdminOptions(v);
    for (const k of [...opts.keys()]) if (!allowedOpts.includes(k)) opts.delete(k);
  }
  for (const k of opts.keys()) {
    if ((JOINED_TABLE_PARAMS as readonly string[]).includes(k) || k.startsWith('_')) throw badRequest(`Invalid filter field: ${k}.`);
  }
  const f: InstanceFilters & { regex: Partial<Record<RegexColumn, string>> } = { regex: {} };
  let none = false;
  opts.delete('status');
  if (query.status !== undefined) {
    const { vmStates, taskStates } = taskAndVmStateFromStatus(allOf(query.status));
    if (vmStates.length === 0 && taskStates.length === 0) {
      if (atLeast(v, '2.38')) throw badRequest('Invalid status value');
      none = true;
    }
    opts.set('vm_state', vmStates);
    // Searching by a status whose task state is 'default' matches any task state.
    if (!taskStates.includes('default')) opts.set('task_state', taskStates);
  }
  const since = opts.get('changes-since');
  const before = opts.get('changes-before');
  if (typeof since === 'string') f.changes_since = parseIsoToDb(since) ?? undefined;
  if (typeof before === 'string') {
    f.changes_before = parseIsoToDb(before) ?? undefined;
    if (f.changes_since && f.changes_before && f.changes_before < f.changes_since) {
      throw badRequest('The value of changes-since must be less than or equal to changes-before.');
    }
  }
  const deleted = opts.get('deleted');
  if (deleted === undefined) {
    if (since === undefined && before === undefined) f.deleted = false;
  } else {
    f.deleted = boolOf(lastOf(deleted), false);
  }
  const vmState = opts.get('vm_state');
  if (Array.isArray(vmState) && vmState.length === 1 && vmState[0] === 'deleted') {
    if (!ctx.is_admin) throw forbidden('Only administrators may list deleted instances');
    f.deleted = true;
  }
  if (atLeast(v, '2.26')) {
    const split = (k: string) => {
      const t = opts.get(k);
      return t === undefined ? undefined : lastOf(t).split(',');
    };
    f.tags = split('tags');
    f.tags_any = split('tags-any');
    f.not_tags = split('not-tags');
    f.not_tags_any = split('not-tags-any');
  }
  // common.is_all_tenants: present and true (an empty value counts as true).
  const allTenantsOpt = opts.get('all_tenants');
  const allTenants = allTenantsOpt === undefined ? false : lastOf(allTenantsOpt) === '' || boolOf(lastOf(allTenantsOpt), true);
  opts.delete('all_tenants');
  const locked = opts.get('locked');
  if (locked !== undefined) f.locked = boolOf(lastOf(locked), true);
  if (allTenants) {
    authorize(ctx, `os_compute_api:servers:${detail ? 'detail' : 'index'}:get_all_tenants`);
  } else {
    opts.delete('tenant_id');
    if (ctx.project_id) opts.set('project_id', ctx.project_id);
    else opts.set('user_id', ctx.user_id ?? '');
  }
  let flavor: string | undefined;
  for (const [opt, value] of opts) {
    const one = lastOf(value);
    const list = typeof value === 'string' ? [value] : [...value];
    switch (opt) {
      case 'image':
      case 'image_ref':
        f.image_ref = one;
        break;
      case 'name':
        f.regex.display_name = one;
        break;
      case 'tenant_id':
      case 'project_id':
        f.project_id = one;
        break;
      case 'flavor':
        flavor = one;
        break;
      case 'user_id':
        f.user_id = one;
        break;
      case 'host':
        f.host = one;
        break;
      case 'uuid':
        f.uuids = [one];
        break;
      case 'vm_state':
        f.vm_state = list;
        break;
      case 'task_state':
        f.task_state = list;
        break;
      case 'instance_type_id':
        f.instance_type_id = /^\d+$/.test(one) ? Number(one) : -1;
        break;
      default:
        if ((REGEX_COLUMNS as readonly string[]).includes(opt)) f.regex[opt as RegexColumn] = one;
    }
  }
  const ip = opts.get('ip');
  const ip6 = opts.get('ip6');
  return {
    filters: f,
    sort: sortParams(ctx, v, query),
    ...(flavor === undefined ? {} : { flavor }),
    ...(ip === undefined ? {} : { ip: lastOf(ip) }),
    ...(ip6 === undefined ? {} : { ip6: lastOf(ip6) }),
    none,
  };
}

/**
 * common.get_sort_params, remove_invalid_sort_keys and
 * db.utils.process_sort_params: ignored keys dropped with their direction,
 * host and node for admins only, directions asc or desc and no more of them
 * than keys; the database adds created_at and id.
 */
function sortParams(ctx: RequestContext, v: Microversion, query: Query): { key: string; dir: 'asc' | 'desc' }[] {
  const keys = allOf(query.sort_key).map((k) => k.trim());
  const dirs = allOf(query.sort_dir).map((d) => d.trim());
  if (keys.length === 0) keys.push('created_at');
  if (dirs.length === 0) dirs.push('desc');
  const ignored = ignoredSortKeys(v);
  for (const key of [...keys]) {
    if (ignored.includes(key)) {
      const i = keys.indexOf(key);
      if (dirs.length > i) dirs.splice(i, 1);
      keys.splice(i, 1);
    } else if ((key === 'host' || key === 'node') && !ctx.is_admin) {
      throw forbidden(`Only administrators can sort servers by ${key}`);
    }
  }
  const checked = dirs.map((d) => {
    if (d !== 'asc' && d !== 'desc') throw badRequest("Invalid input received: Unknown sort direction, must be 'desc' or 'asc'");
    return d;
  });
  if (checked.length > keys.length) throw badRequest('Invalid input received: Sort direction size exceeds sort key size');
  const dflt = checked[0] ?? 'desc';
  return keys.map((key, i) => ({ key, dir: checked[i] ?? dflt }));
}
