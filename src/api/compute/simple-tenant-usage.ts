/**
 * os-simple-tenant-usage (nova/api/openstack/compute/simple_tenant_usage.py):
 * GET /os-simple-tenant-usage (admin: every project) and
 * /os-simple-tenant-usage/{tenant_id} (that project's readers, or admin).
 * For the period [start, end] (naive UTC; both default to now, the end is
 * cut at now) every instance that ran in it — deleted ones too — counts with
 * the hours of its life inside it; per project the totals. From 2.40 the
 * instances are paged (limit, marker: an instance uuid) with a next link.
 */
import { FlavorNotFound } from '../../exception/resources.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { badRequest } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import { queryAll } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { collectionLinks, limitAndMarker, type Query, validateQuery } from './schemas/query.ts';
import * as schema from './schemas/simple-tenant-usage.ts';
import { dbFromMicros, nowMicros, type ServerUsage, type TenantUsage, tenantUsages, type UsagePeriod } from './views/usages.ts';

const PAGED = '2.40';

/** The first non-blank value, as urlparse.parse_qs(QUERY_STRING)[name][0]. */
function firstGiven(query: ApiRequest['query'], name: string): string | undefined {
  return queryAll(query[name]).find((v) => v !== '');
}

function parseTime(value: string | undefined): number {
  if (value === undefined) return nowMicros();
  const t = schema.parseUsageTime(value);
  if (t === null) throw badRequest('Invalid datetime string: Datetime is in invalid format');
  return t;
}

/** _parse_qs_params: the period (start before end, then the end cut at now) and `detailed=1`. */
function periodOf(req: ApiRequest): { period: UsagePeriod; detailed: boolean } {
  const start = parseTime(firstGiven(req.query, 'start'));
  let stop = parseTime(firstGiven(req.query, 'end'));
  if (!(start < stop)) throw badRequest('Invalid start time. The start time cannot occur after the end time.');
  const now = nowMicros();
  if (stop > now) stop = now;
  return { period: { start, stop, now }, detailed: firstGiven(req.query, 'detailed') === '1' };
}

function validated(req: ApiRequest, before240: typeof schema.indexQuery, from240: typeof schema.indexQuery): Query {
  if (!atLeast(req.version, PAGED)) return validateQuery(req.query, before240, false);
  return validateQuery(req.query, from240, atLeast(req.version, '2.75'));
}

/** _tenant_usages_for_period: the instances of the period (a page of them from 2.40) and their usages. */
async function usagesFor(deps: ApiDeps, req: ApiRequest, q: Query, period: UsagePeriod, detailed: boolean, projectId?: string) {
  const paged = atLeast(req.version, PAGED);
  const { limit, marker } = paged ? limitAndMarker(q, deps.conf.api.max_limit) : { limit: deps.conf.api.max_limit, marker: undefined };
  const instances = await deps.db.instances.listActiveByWindow(dbFromMicros(period.start), dbFromMicros(period.stop), { projectId, limit, marker });
  const names = await flavorNames(deps, instances);
  return tenantUsages(instances, period, detailed, (i) => i.flavor?.name ?? names.get(i.instance_type_id) ?? '');
}

/** Names of the flavors of instances whose flavor was not kept with them (Nova's by-id fallback; '' when the flavor is gone). */
async function flavorNames(deps: ApiDeps, instances: readonly InstanceDTO[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const inst of instances) {
    if (inst.flavor?.name !== undefined || out.has(inst.instance_type_id)) continue;
    const f = await deps.db.flavors.getById(inst.instance_type_id).catch((e: unknown) => {
      if (e instanceof FlavorNotFound) return null;
      throw e;
    });
    out.set(inst.instance_type_id, f?.name ?? '');
  }
  return out;
}

function links(deps: ApiDeps, req: ApiRequest, q: Query, path: string, serverUsages: readonly ServerUsage[]) {
  if (!atLeast(req.version, PAGED)) return null;
  return collectionLinks(req.baseUrl, path, q, serverUsages.length, deps.conf.api.max_limit, () => serverUsages.at(-1)?.instance_id ?? '');
}

async function index(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  const q = validated(req, schema.indexQuery, schema.indexQueryV240);
  authorize(req.ctx, 'os_compute_api:os-simple-tenant-usage:list');
  const { period, detailed } = periodOf(req);
  const { usages, serverUsages } = await usagesFor(deps, req, q, period, detailed);
  const body: Record<string, unknown> = { tenant_usages: usages };
  const next = links(deps, req, q, 'os-simple-tenant-usage', serverUsages);
  if (next) body.tenant_usages_links = next;
  return ok(body);
}

async function show(deps: ApiDeps, req: ApiRequestOf<'tenant_id'>): Promise<ApiResponse> {
  const q = validated(req, schema.showQuery, schema.showQueryV240);
  const tenantId = req.params.tenant_id;
  authorize(req.ctx, 'os_compute_api:os-simple-tenant-usage:show', { project_id: tenantId });
  const { period } = periodOf(req);
  const { usages, serverUsages } = await usagesFor(deps, req, q, period, true, tenantId);
  const usage: TenantUsage | Record<string, never> = usages[0] ?? {};
  const body: Record<string, unknown> = { tenant_usage: usage };
  const next = links(deps, req, q, `os-simple-tenant-usage/${encodeURIComponent(tenantId)}`, serverUsages);
  if (next) body.tenant_usage_links = next;
  return ok(body);
}

/** The os-simple-tenant-usage routes. */
export function simpleTenantUsageRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/os-simple-tenant-usage', handler: (req) => index(deps, req) }),
    route({ method: 'GET', path: '/os-simple-tenant-usage/:tenant_id', handler: (req) => show(deps, req) }),
  ];
}
