/**
 * Neutron's quotas (neutron.quota, the DbQuotaNoLockDriver): a limit per
 * project and resource, the configured default where the project has none
 * (-1 unlimited), counted from the project's rows at creation.
 */
import type { ResourceTable } from './db/schema.ts';
import { conflict } from './errors.ts';
import type { NetworkDeps } from './http.ts';

/** The quota resources, in the order Neutron lists them, with the table each counts. */
export const QUOTA_RESOURCES = {
  network: 'networks',
  subnet: 'subnets',
  subnetpool: null,
  port: 'ports',
  router: 'routers',
  floatingip: 'floating_ips',
  rbac_policy: null,
  security_group: 'security_groups',
  security_group_rule: 'security_group_rules',
} as const satisfies Record<string, ResourceTable | null>;

export type QuotaResource = keyof typeof QUOTA_RESOURCES;

/** The configured defaults (`[neutron_server] quota_*`). */
export function defaultQuotas(deps: NetworkDeps): Record<QuotaResource, number> {
  const c = deps.conf;
  return {
    network: c.quota_network,
    subnet: c.quota_subnet,
    subnetpool: c.quota_subnetpool,
    port: c.quota_port,
    router: c.quota_router,
    floatingip: c.quota_floatingip,
    rbac_policy: c.quota_rbac_policy,
    security_group: c.quota_security_group,
    security_group_rule: c.quota_security_group_rule,
  };
}

/** A project's limits: its own where set, else the defaults. */
export async function projectQuotas(deps: NetworkDeps, projectId: string): Promise<Record<QuotaResource, number>> {
  return { ...defaultQuotas(deps), ...(await deps.store.quotas(projectId)) };
}

/** How many of each resource the project has. */
export async function projectUsage(deps: NetworkDeps, projectId: string): Promise<Record<QuotaResource, number>> {
  const out = {} as Record<QuotaResource, number>;
  for (const [res, table] of Object.entries(QUOTA_RESOURCES) as [QuotaResource, ResourceTable | null][]) out[res] = table ? await deps.store.count(table, projectId) : 0;
  return out;
}

/** 409 OverQuota unless the project may have `delta` more of `resource`. */
export async function checkQuota(deps: NetworkDeps, projectId: string, resource: QuotaResource, delta = 1): Promise<void> {
  if (!projectId) return;
  const limit = (await projectQuotas(deps, projectId))[resource];
  if (limit < 0) return;
  const table = QUOTA_RESOURCES[resource];
  const used = table ? await deps.store.count(table, projectId) : 0;
  if (used + delta > limit) throw conflict('OverQuota', `Quota exceeded for resources: ['${resource}'].`);
}
