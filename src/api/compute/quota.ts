/**
 * Quota limits and usage, as Nova's DbQuotaDriver counts them: limits are
 * the `[quota]` defaults overridden per project (the quotas table), usage is
 * counted on demand (no reservations). -1 means unlimited.
 */
import type { ApiDeps } from './deps.ts';

/** Every quota resource, in Nova's QUOTAS order (the last four are nova-network leftovers, always -1). */
export const QUOTA_RESOURCES = [
  'instances',
  'cores',
  'ram',
  'metadata_items',
  'injected_files',
  'injected_file_content_bytes',
  'injected_file_path_bytes',
  'key_pairs',
  'server_groups',
  'server_group_members',
  'fixed_ips',
  'floating_ips',
  'security_groups',
  'security_group_rules',
] as const;

export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
export type QuotaValues = Record<QuotaResource, number>;

/** The resources whose usage is counted (the others are limits on a single request, usage 0). */
export const COUNTABLE: readonly QuotaResource[] = ['instances', 'cores', 'ram', 'key_pairs', 'server_groups', 'server_group_members'];

/** Is this the name of a quota resource? */
export function isQuotaResource(name: string): name is QuotaResource {
  return (QUOTA_RESOURCES as readonly string[]).includes(name);
}

/** The configured defaults (`[quota]`), i.e. GET /os-quota-sets/{id}/defaults. */
export function defaultLimits(deps: Pick<ApiDeps, 'conf'>): QuotaValues {
  const q = deps.conf.quota;
  return {
    instances: q.instances,
    cores: q.cores,
    ram: q.ram,
    metadata_items: q.metadata_items,
    injected_files: q.injected_files,
    injected_file_content_bytes: q.injected_file_content_bytes,
    injected_file_path_bytes: q.injected_file_path_length,
    key_pairs: q.key_pairs,
    server_groups: q.server_groups,
    server_group_members: q.server_group_members,
    fixed_ips: -1,
    floating_ips: -1,
    security_groups: -1,
    security_group_rules: -1,
  };
}

/** The limits in force for a project: `[quota]` defaults overridden by the project's own (db.quotas). */
export async function effectiveLimits(deps: Pick<ApiDeps, 'conf' | 'db'>, projectId: string): Promise<QuotaValues> {
  const limits = defaultLimits(deps);
  const own = await deps.db.quotas.limitsFor(projectId);
  for (const [k, v] of Object.entries(own)) if (isQuotaResource(k)) limits[k] = v;
  return limits;
}

/**
 * What a project uses: instances, cores and ram of its live instances; with
 * a user id, that user's key pairs (key pairs are counted per user, and not at
 * all at project level, as in Nova). Server groups do not exist yet: 0.
 */
export async function usage(deps: Pick<ApiDeps, 'db'>, projectId: string, userId?: string | null): Promise<QuotaValues> {
  const used = Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, 0])) as QuotaValues;
  const counted = await deps.db.instances.usage(projectId);
  used.instances = counted.instances;
  used.cores = counted.cores;
  used.ram = counted.ram;
  if (userId) used.key_pairs = await deps.db.keypairs.count(userId);
  return used;
}

/**
 * The resources a request would take over their limit (Nova's
 * Quotas.check_deltas): used + delta > limit, unlimited (-1) never is.
 * Empty when the request fits.
 */
export function overQuota(limits: QuotaValues, used: QuotaValues, deltas: Partial<QuotaValues>): QuotaResource[] {
  const over: QuotaResource[] = [];
  for (const r of QUOTA_RESOURCES) {
    const d = deltas[r];
    if (d === undefined || d <= 0) continue;
    const limit = limits[r];
    if (limit >= 0 && used[r] + d > limit) over.push(r);
  }
  return over;
}
