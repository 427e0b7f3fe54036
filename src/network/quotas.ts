/**
 * /v2.0/quotas (neutron.extensions.quotasv2 and quotasv2_detail): a
 * project's limits (its own, or for admins any project's), the defaults,
 * usage with `details.json`, and admin updates and resets.
 */
import { pyStr } from './attributes.ts';
import { badRequest, NeutronError } from './errors.ts';
import { json, type NetworkDeps, type NetworkRequest, type NetworkRoute, noContent, route } from './http.ts';
import { defaultQuotas, projectQuotas, projectUsage, QUOTA_RESOURCES, type QuotaResource } from './quota-usage.ts';

const RESOURCES = Object.keys(QUOTA_RESOURCES) as QuotaResource[];

/** Only admins read another project's quota (policy get_quota: admin or own project). */
function assertProject(req: NetworkRequest, projectId: string, write: boolean): void {
  if (req.ctx.is_admin) return;
  if (write || projectId !== req.ctx.project_id)
    throw new NeutronError(403, 'AdminRequired', `User does not have admin privileges: Only admin can ${write ? 'update' : 'view'} or configure quota.`);
}

/** The limits of a PUT body, each an integer of -1 or more. */
function limitsOf(body: unknown): Partial<Record<QuotaResource, number>> {
  const q = body && typeof body === 'object' ? (body as Record<string, unknown>).quota : undefined;
  if (!q || typeof q !== 'object' || Array.isArray(q)) throw badRequest("Unable to find 'quota' in request body");
  const out: Partial<Record<QuotaResource, number>> = {};
  for (const [k, raw] of Object.entries(q)) {
    if (k === 'force' || k === 'check_limit') continue;
    if (!(RESOURCES as string[]).includes(k)) throw badRequest(`Unrecognized attribute(s) '${k}'`);
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(n)) throw badRequest(`Invalid input for ${k}. Reason: '${pyStr(raw)}' is not an integer.`);
    if (n < -1) throw badRequest(`Invalid input for ${k}. Reason: '${n}' is too small - must be at least '-1'.`);
    out[k as QuotaResource] = n;
  }
  return out;
}

export function quotaRoutes(deps: NetworkDeps): NetworkRoute[] {
  return [
    route({
      method: 'GET',
      path: '/v2.0/quotas',
      handler: async (req) => {
        if (!req.ctx.is_admin) throw new NeutronError(403, 'AdminRequired', 'User does not have admin privileges: Only admin can view or configure quota.');
        const projects = await deps.store.quotaProjects();
        const quotas = await Promise.all(projects.map(async (p) => ({ ...(await projectQuotas(deps, p)), project_id: p, tenant_id: p })));
        return json({ quotas });
      },
    }),
    route({
      method: 'GET',
      path: '/v2.0/quotas/:project/default',
      handler: async (req) => {
        assertProject(req, req.params.project, false);
        return json({ quota: defaultQuotas(deps) });
      },
    }),
    route({
      method: 'GET',
      path: '/v2.0/quotas/:project/details',
      handler: async (req) => {
        assertProject(req, req.params.project, false);
        const limits = await projectQuotas(deps, req.params.project);
        const used = await projectUsage(deps, req.params.project);
        return json({ quota: Object.fromEntries(RESOURCES.map((r) => [r, { limit: limits[r], used: used[r], reserved: 0 }])) });
      },
    }),
    route({
      method: 'GET',
      path: '/v2.0/quotas/:project',
      handler: async (req) => {
        const project = req.params.project;
        assertProject(req, project, false);
        return json({ quota: await projectQuotas(deps, project) });
      },
    }),
    route({
      method: 'PUT',
      path: '/v2.0/quotas/:project',
      policy: 'update_quota',
      handler: async (req) => {
        assertProject(req, req.params.project, true);
        const limits = limitsOf(req.body);
        for (const [r, n] of Object.entries(limits)) await deps.store.setQuota(req.params.project, r, n);
        return json({ quota: await projectQuotas(deps, req.params.project) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v2.0/quotas/:project',
      policy: 'delete_quota',
      handler: async (req) => {
        assertProject(req, req.params.project, true);
        await deps.store.deleteQuotas(req.params.project);
        return noContent();
      },
    }),
  ];
}
