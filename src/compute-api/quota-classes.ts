/**
 * Quota classes and per-user quotas, as Nova's DbQuotaDriver has them:
 * the `default` quota class overrides the `[quota]` defaults
 * (get_defaults); a class's quotas are its own rows over the `[quota]`
 * defaults (get_class_quotas); a user's limits are the user's own rows over
 * the project's (get_user_quotas), and usage for a user counts that user's
 * instances, cores, ram and server groups. Settable ranges follow
 * get_settable_quotas: a project limit may not go below what it uses nor
 * below the sum of its users' limits; a user limit may not go below what
 * the user uses nor above what the project has left plus the user's own.
 */
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import type { LimitRows } from '../db/api/quotas.ts';
import { OverQuota } from '../exception/resources.ts';
import type { FlavorDTO } from '../objects/flavor.ts';
import type { QuotaChecker } from './create.ts';
import { defaultLimits, effectiveLimits, InstanceQuota, isQuotaResource, limitsOf, QUOTA_RESOURCES, type QuotaResource, type QuotaValues } from './quota.ts';

interface Deps {
  readonly conf: Parameters<typeof defaultLimits>[0]['conf'];
  readonly db: DbApi;
}

/** Nova's name of the quota class that holds the defaults. */
export const DEFAULT_CLASS = 'default';

function overlay(base: QuotaValues, rows: Readonly<Record<string, number>>): QuotaValues {
  const out = { ...base };
  for (const [k, v] of Object.entries(rows)) if (isQuotaResource(k)) out[k] = v;
  return out;
}

/** get_defaults: `[quota]` overridden by the default class. */
export async function defaultQuotas(deps: Deps): Promise<QuotaValues> {
  return overlay(defaultLimits(deps), await deps.db.quotaClasses.limitsFor(DEFAULT_CLASS));
}

/** get_class_quotas: the class's rows over the `[quota]` defaults. */
export async function classQuotas(deps: Deps, className: string): Promise<QuotaValues> {
  return overlay(defaultLimits(deps), await deps.db.quotaClasses.limitsFor(className));
}

/** get_user_quotas: the user's rows over the project's limits. */
export async function userLimits(deps: Deps, projectId: string, userId: string): Promise<QuotaValues> {
  return overlay(await effectiveLimits(deps, projectId), await deps.db.userQuotas.limitsFor(projectId, userId));
}

/** _get_usages for a user: that user's instances, cores, ram and server groups; key pairs and group members show 0, as Nova. */
export async function userUsage(deps: Deps, projectId: string, userId: string): Promise<QuotaValues> {
  const used = Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, 0])) as QuotaValues;
  Object.assign(used, await deps.db.userQuotas.instanceUsage(projectId, userId));
  used.server_groups = await deps.db.serverGroups.count(projectId, userId);
  return used;
}

const unlimited = (v: number) => v <= -1;

/** The project's limits left after its users' own (get_project_quotas remains): limit − Σ user limits. */
async function projectRemains(deps: Deps, projectId: string, limits: QuotaValues): Promise<QuotaValues> {
  const remains = { ...limits };
  for (const row of await deps.db.userQuotas.allFor(projectId)) if (isQuotaResource(row.resource)) remains[row.resource] -= row.hard_limit;
  return remains;
}

/** The lowest limit a project may be set to for a resource: its use, or the sum of its users' limits when that fits in the limit. */
export async function projectMinimums(deps: Deps, projectId: string, limits: QuotaValues, used: QuotaValues): Promise<QuotaValues> {
  const remains = await projectRemains(deps, projectId, limits);
  const out = { ...used };
  for (const r of QUOTA_RESOURCES) {
    const fromUsers = unlimited(limits[r]) || unlimited(remains[r]) ? -1 : limits[r] - remains[r];
    out[r] = Math.max(fromUsers, used[r]);
  }
  return out;
}

function checkLimit(resource: string, limit: number, minimum: number, maximum: number): string | null {
  const inf = (v: number) => (v === -1 ? Number.POSITIVE_INFINITY : v);
  if (inf(limit) < inf(minimum)) return `Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${minimum}.`;
  if (inf(limit) > inf(maximum)) return `Quota limit ${limit} for ${resource} must be less than or equal to ${maximum}.`;
  return null;
}

/**
 * Set a user's limits (PUT /os-quota-sets/{project}?user_id=): each value
 * checked against the user's settable range unless `force`, all checked
 * before any is written. Returns Nova's 400 text for the first bad one, or
 * null once written.
 */
export async function setUserQuotas(deps: Deps, projectId: string, userId: string, values: readonly (readonly [QuotaResource, number])[], force: boolean): Promise<string | null> {
  if (!force) {
    const project = await effectiveLimits(deps, projectId);
    const remains = await projectRemains(deps, projectId, project);
    const own = await deps.db.userQuotas.limitsFor(projectId, userId);
    const used = await userUsage(deps, projectId, userId);
    for (const [key, value] of values) {
      const mine = own[key] ?? 0;
      const maximum = unlimited(remains[key]) || unlimited(mine) ? -1 : remains[key] + mine;
      const bad = checkLimit(key, value, used[key], maximum);
      if (bad) return bad;
    }
  }
  for (const [key, value] of values) await deps.db.userQuotas.set(projectId, userId, key, value);
  return null;
}

/** Nova's TooManyInstances text for the user's figures. */
function tooMany(over: QuotaResource[], deltas: Partial<QuotaValues>, used: QuotaValues, limits: QuotaValues): OverQuota {
  const names = [...over].sort();
  const req = names.map((r) => deltas[r] ?? 0).join(', ');
  const u = names.map((r) => used[r]).join(', ');
  const allowed = names.map((r) => limits[r]).join(', ');
  return new OverQuota(`Quota exceeded for ${names.join(', ')}: Requested ${req}, but already used ${u} of ${allowed} ${names.join(', ')}`, { overs: names });
}

/**
 * Server-create quotas counted per project and, where the user has limits
 * of their own, per user (limit_check_project_and_user): the project check
 * first, then the user's limits against the user's use.
 */
export class UserInstanceQuota implements QuotaChecker {
  private readonly project: InstanceQuota;

  constructor(private readonly deps: Deps) {
    this.project = new InstanceQuota(deps);
  }

  /** The user's limits against the user's use; `rows` the limit rows this check read (one statement for the project's and the user's). */
  private async userOver(projectId: string, userId: string, deltas: Partial<QuotaValues>, recheck: boolean, rows: LimitRows): Promise<OverQuota | null> {
    const own = rows.user;
    if (!['instances', 'cores', 'ram'].some((r) => r in own)) return null;
    const limits = overlay(limitsOf(this.deps, rows), own);
    const used = await userUsage(this.deps, projectId, userId);
    const over = (['instances', 'cores', 'ram'] as const).filter((r) => limits[r] >= 0 && used[r] + (recheck ? 0 : (deltas[r] ?? 0)) > limits[r]);
    if (!over.length) return null;
    const before = recheck ? { ...used, instances: used.instances - (deltas.instances ?? 0), cores: used.cores - (deltas.cores ?? 0), ram: used.ram - (deltas.ram ?? 0) } : used;
    return tooMany([...over], deltas, before, limits);
  }

  /** A resize up: the project's limits, then the user's own. */
  async checkDelta(ctx: RequestContext, projectId: string, userId: string, deltas: { cores: number; ram: number }): Promise<void> {
    if (deltas.cores <= 0 && deltas.ram <= 0) return;
    const rows = await this.deps.db.quotas.limitRows(projectId, userId);
    await this.project.checkDelta(ctx, projectId, userId, deltas, limitsOf(this.deps, rows));
    const over = await this.userOver(projectId, userId, deltas, false, rows);
    if (over) throw over;
  }

  async checkInstances(ctx: RequestContext, projectId: string, userId: string, count: number, flavor: FlavorDTO): Promise<void> {
    const rows = await this.deps.db.quotas.limitRows(projectId, userId);
    await this.project.checkInstances(ctx, projectId, userId, count, flavor, limitsOf(this.deps, rows));
    const over = await this.userOver(projectId, userId, { instances: count, cores: count * flavor.vcpus, ram: count * flavor.memory_mb }, false, rows);
    if (over) throw over;
  }

  async recheck(ctx: RequestContext, projectId: string, created: { count: number; flavor: FlavorDTO }): Promise<void> {
    const rows = await this.deps.db.quotas.limitRows(projectId, ctx.user_id ?? '');
    await this.project.recheck(ctx, projectId, created, limitsOf(this.deps, rows));
    const deltas = { instances: created.count, cores: created.count * created.flavor.vcpus, ram: created.count * created.flavor.memory_mb };
    const over = await this.userOver(projectId, ctx.user_id ?? '', deltas, true, rows);
    if (over) throw over;
  }
}
