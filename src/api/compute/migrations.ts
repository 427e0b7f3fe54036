/**
 * os-migrations (nova/api/openstack/compute/migrations.py): GET
 * /os-migrations, admin only, filtered by host, status, instance_uuid,
 * migration_type, source_compute (and hidden); from 2.59 newest first with
 * limit/marker (a migration uuid) and changes-since, 2.66 changes-before,
 * 2.80 user_id/project_id. Hidden migrations are never shown.
 */
import type { MigrationFilters } from '../../db/api/migrations.ts';
import { badRequest } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiResponse, ok, type Route, route } from '../types.ts';
import type { ApiDeps } from './deps.ts';
import * as schema from './schemas/migrations.ts';
import { collectionLinks, last, limitAndMarker, type Query, validateQuery } from './schemas/query.ts';
import { parseIsoToDb } from './views/common.ts';
import { migrationView } from './views/migrations.ts';

const PAGED = '2.59';
const TRUE_STRINGS = ['1', 't', 'true', 'on', 'y', 'yes'];

function validated(req: ApiRequest): Query {
  const v = req.version;
  if (atLeast(v, '2.80')) return validateQuery(req.query, schema.listQueryV280, true);
  if (atLeast(v, '2.66')) return validateQuery(req.query, schema.listQueryV266, true);
  if (atLeast(v, PAGED)) return validateQuery(req.query, schema.listQueryV259, true);
  return validateQuery(req.query, schema.listQueryV20, false);
}

/** A date-time query parameter in the stored format (400 with Nova's message when it is not one). */
function timeParam(q: Query, name: string): string | undefined {
  const value = last(q, name);
  if (value === undefined) return undefined;
  const t = parseIsoToDb(value);
  if (!t) throw badRequest(`Invalid input for query parameters ${name}. Value: ${value}. '${value}' is not a 'date-time'`);
  return t;
}

/** search_opts from the query: each filter's last value, as dict.update(req.GET). */
function filtersOf(q: Query): MigrationFilters {
  const f: { -readonly [K in keyof MigrationFilters]: MigrationFilters[K] } = {};
  const host = last(q, 'host');
  if (host !== undefined) f.host = host;
  const source = last(q, 'source_compute');
  if (source !== undefined) f.source_compute = source;
  const status = last(q, 'status');
  if (status !== undefined) f.status = [status];
  const type = last(q, 'migration_type');
  if (type !== undefined) f.migration_type = type;
  const hidden = last(q, 'hidden');
  if (hidden !== undefined) f.hidden = TRUE_STRINGS.includes(hidden.toLowerCase());
  const instance = last(q, 'instance_uuid');
  if (instance !== undefined) f.instance_uuid = instance;
  const user = last(q, 'user_id');
  if (user !== undefined) f.user_id = user;
  const project = last(q, 'project_id');
  if (project !== undefined) f.project_id = project;
  f.changes_since = timeParam(q, 'changes-since');
  f.changes_before = timeParam(q, 'changes-before');
  if (f.changes_since && f.changes_before && f.changes_before < f.changes_since) {
    throw badRequest('The value of changes-since must be less than or equal to changes-before.');
  }
  return f;
}

async function index(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const q = validated(req);
  authorize(req.ctx, 'os_compute_api:os-migrations:index');
  const paged = atLeast(req.version, PAGED);
  const maxLimit = deps.conf.api.max_limit;
  const page = paged ? { sorted: true, ...limitAndMarker(q, maxLimit) } : {};
  const found = await deps.db.migrations.list(filtersOf(q), page);
  const migrations = found.filter((m) => !m.hidden).map((m) => migrationView(m, req.version, req.baseUrl));
  const body: Record<string, unknown> = { migrations };
  if (paged) {
    const next = collectionLinks(req.baseUrl, 'os-migrations', q, migrations.length, maxLimit, () => String(migrations.at(-1)?.uuid ?? ''));
    if (next) body.migrations_links = next;
  }
  return ok(body);
}

/** The os-migrations route. */
export function migrationsRoutes(deps: ApiDeps): Route[] {
  return [route({ method: 'GET', path: '/os-migrations', handler: (req) => index(deps, req) })];
}
