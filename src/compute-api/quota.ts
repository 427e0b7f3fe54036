/**
 * Quota limits and usage, as Nova's DbQuotaDriver counts them: limits are
 * the `[quota]` defaults overridden per project (the quotas table), usage is
 * counted on demand (no reservations). -1 means unlimited.
 */
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import type { LimitRows } from '../db/api/quotas.ts';
import { OverQuota } from '../exception/resources.ts';
import type { FlavorDTO } from '../objects/flavor.ts';

interface QuotaDeps {
  conf: NovaConfig;
  db: DbApi;
}

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
export function defaultLimits(deps: Pick<QuotaDeps, 'conf'>): QuotaValues {
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
export async function effectiveLimits(deps: QuotaDeps, projectId: string): Promise<QuotaValues> {
  return limitsOf(deps, await deps.db.quotas.limitRows(projectId));
}

/** The `[quota]` defaults, then the `default` quota class (DbQuotaDriver.get_defaults), then the project's own. */
export function limitsOf(deps: Pick<QuotaDeps, 'conf'>, rows: Pick<LimitRows, 'defaults' | 'project'>): QuotaValues {
  const limits = defaultLimits(deps);
  for (const [k, v] of Object.entries(rows.defaults)) if (isQuotaResource(k)) limits[k] = v;
  for (const [k, v] of Object.entries(rows.project)) if (isQuotaResource(k)) limits[k] = v;
  return limits;
}

/**
 * What a project uses: instances, cores and ram of its live instances and
 * its server groups (with a user id, that user's groups); with a user id,
 * that user's key pairs (key pairs are counted per user, and not at all at
 * project level, as in Nova). server_group_members is counted per group:
 * with `group` (a group uuid), its live members (of the user, when given, as
 * Nova's count_members_by_user); without one 0, as Nova shows it.
 */
export async function usage(deps: Pick<QuotaDeps, 'db'>, projectId: string, userId?: string | null, group?: string): Promise<QuotaValues> {
  const used = Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, 0])) as QuotaValues;
  const counted = await deps.db.instances.usage(projectId);
  used.instances = counted.instances;
  used.cores = counted.cores;
  used.ram = counted.ram;
  if (userId) used.key_pairs = await deps.db.keypairs.count(userId);
  used.server_groups = await deps.db.serverGroups.count(projectId, userId);
  if (group !== undefined) used.server_group_members = await deps.db.serverGroups.countMembers(group, userId);
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

/**
 * Quota checks for server creation, as Nova's counting quotas: check before
 * creating the instances and check again right after (quota recheck), so two
 * concurrent requests can never both pass the limit — at worst both fail.
 */
export class InstanceQuota {
  constructor(private readonly deps: QuotaDeps) {}

  private async over(projectId: string, deltas: Partial<QuotaValues>, known?: QuotaValues): Promise<{ over: QuotaResource[]; limits: QuotaValues; used: QuotaValues }> {
    const limits = known ?? (await effectiveLimits(this.deps, projectId));
    if (limits.instances < 0 && limits.cores < 0 && limits.ram < 0) {
      // Unlimited: nothing to count.
      return { over: [], limits, used: limits };
    }
    const used = await usage(this.deps, projectId);
    return { over: overQuota(limits, used, deltas), limits, used };
  }

  /** Throws OverQuota (403) when `count` instances of `flavor` do not fit (`known`: the project's limits, already read). */
  async checkInstances(_ctx: RequestContext, projectId: string, _userId: string, count: number, flavor: FlavorDTO, known?: QuotaValues): Promise<void> {
    const deltas = { instances: count, cores: count * flavor.vcpus, ram: count * flavor.memory_mb };
    const { over, limits, used } = await this.over(projectId, deltas, known);
    if (over.length) throw tooMany(over, deltas, used, limits);
  }

  /** Throws OverQuota when growing an instance by these cores and ram would not fit (a resize up; Nova's _check_quota_for_upsize). */
  async checkDelta(_ctx: RequestContext, projectId: string, _userId: string, deltas: { cores: number; ram: number }, known?: QuotaValues): Promise<void> {
    if (deltas.cores <= 0 && deltas.ram <= 0) return;
    const { over, limits, used } = await this.over(projectId, deltas, known);
    if (over.length) throw tooMany(over, deltas, used, limits);
  }

  /** After the instances exist: throws OverQuota if the project is now over a limit. */
  async recheck(_ctx: RequestContext, projectId: string, created: { count: number; flavor: FlavorDTO }, known?: QuotaValues): Promise<void> {
    const { limits, used } = await this.over(projectId, {}, known);
    if (limits.instances < 0 && limits.cores < 0 && limits.ram < 0) return;
    const over = (['instances', 'cores', 'ram'] as const).filter((r) => limits[r] >= 0 && used[r] > limits[r]);
    if (over.length) {
      const deltas = { instances: created.count, cores: created.count * created.flavor.vcpus, ram: created.count * created.flavor.memory_mb };
      const before = { ...used, instances: used.instances - deltas.instances, cores: used.cores - deltas.cores, ram: used.ram - deltas.ram };
      throw tooMany(over, deltas, before, limits);
    }
  }
}

/** Nova's TooManyInstances message. */
function tooMany(over: QuotaResource[], deltas: Partial<QuotaValues>, used: QuotaValues, limits: QuotaValues): OverQuota {
  const names = [...over].sort();
  const req = names.map((r) => deltas[r] ?? 0).join(', ');
  const u = names.map((r) => used[r]).join(', ');
  const allowed = names.map((r) => limits[r]).join(', ');
  return new OverQuota(`Quota exceeded for ${names.join(', ')}: Requested ${req}, but already used ${u} of ${allowed} ${names.join(', ')}`, { overs: names });
}
