/**
 * Quotas (cinder/api/contrib/quotas.py, cinder/quota.py) and limits
 * (cinder/api/v3/limits.py): per project volumes, snapshots and gigabytes
 * (volumes' plus snapshots' sizes), per type the same with a _<type>
 * suffix, per_volume_gigabytes; usage counted from the stored resources;
 * 413 when a create would go over.
 */
import type { RequestContext } from '../context.ts';
import { badRequest, overQuota, policyDenied } from './errors.ts';
import { json, route, type VolumeDeps, type VolumeRoute } from './http.ts';
import { assertAdmin } from './policy.ts';
import { boolParam, param } from './query.ts';

/** The configured default of every quota (per-type ones are unlimited). */
function defaults(deps: VolumeDeps, typeNames: readonly string[]): Record<string, number> {
  const c = deps.conf;
  const out: Record<string, number> = {
    volumes: c.quota_volumes,
    snapshots: c.quota_snapshots,
    gigabytes: c.quota_gigabytes,
    per_volume_gigabytes: c.per_volume_size_limit,
    backups: c.quota_backups,
    backup_gigabytes: c.quota_backup_gigabytes,
    groups: c.quota_groups,
  };
  for (const t of typeNames) for (const r of ['volumes', 'snapshots', 'gigabytes']) out[`${r}_${t}`] = -1;
  return out;
}

async function typeNames(deps: VolumeDeps): Promise<string[]> {
  return (await deps.store.list('volume_types')).map((t) => t.name);
}

/** The project's limits: its own overrides over the defaults. */
export async function limitsOf(deps: VolumeDeps, projectId: string): Promise<Record<string, number>> {
  return { ...defaults(deps, await typeNames(deps)), ...(await deps.store.quotas(projectId)) };
}

/** What the project uses of each quota. */
export async function usageOf(deps: VolumeDeps, projectId: string): Promise<Record<string, number>> {
  const vols = await deps.store.list('volumes', { project_id: projectId });
  const snaps = await deps.store.list('snapshots', { project_id: projectId });
  const types = new Map((await deps.store.list('volume_types')).map((t) => [t.id, t.name]));
  const volType = new Map(vols.map((v) => [v.id, types.get(v.volume_type_id) ?? '']));
  const out: Record<string, number> = { volumes: vols.length, snapshots: snaps.length, gigabytes: 0, per_volume_gigabytes: 0, backups: 0, backup_gigabytes: 0, groups: 0 };
  const add = (k: string, n: number) => {
    out[k] = (out[k] ?? 0) + n;
  };
  for (const v of vols) {
    const t = volType.get(v.id) ?? '';
    add('gigabytes', v.size);
    add(`volumes_${t}`, 1);
    add(`gigabytes_${t}`, v.size);
  }
  for (const s of snaps) {
    const t = volType.get(s.volume_id) ?? '';
    add('gigabytes', s.size);
    add(`snapshots_${t}`, 1);
    add(`gigabytes_${t}`, s.size);
  }
  return out;
}

/**
 * 413 unless the project may have one more volume (or snapshot) and `gb`
 * GiB more of type `typeName`; `extend`: only the GiB (an extend to
 * `newSize` GiB).
 */
export async function checkQuota(deps: VolumeDeps, projectId: string, kind: 'volumes' | 'snapshots', gb: number, typeName: string, extend?: { newSize: number }): Promise<void> {
  const limits = await limitsOf(deps, projectId);
  const used = await usageOf(deps, projectId);
  const per = limits.per_volume_gigabytes ?? -1;
  const size = extend?.newSize ?? gb;
  if (kind === 'volumes' && per >= 0 && size > per) throw overQuota(`Requested volume size ${size}G is larger than maximum allowed limit ${per}G.`);
  for (const [name, suffix] of [
    [kind, ''],
    [`${kind}_${typeName}`, `_${typeName}`],
  ] as const) {
    const limit = limits[name] ?? -1;
    if (!extend && limit >= 0 && (used[name] ?? 0) + 1 > limit) {
      throw overQuota(
        kind === 'volumes' ? `Maximum number of volumes allowed (${limit}) exceeded for quota '${name}'.` : `Maximum number of snapshots allowed (${limit}) exceeded`,
      );
    }
    const gname = `gigabytes${suffix}`;
    const glimit = limits[gname] ?? -1;
    const gused = used[gname] ?? 0;
    if (glimit >= 0 && gused + gb > glimit) {
      throw overQuota(`Requested volume or snapshot exceeds allowed ${gname} quota. Requested ${gb}G, quota is ${glimit}G and ${gused}G has been consumed.`);
    }
  }
}

function assertMayRead(ctx: RequestContext, projectId: string): void {
  if (!ctx.is_admin && ctx.project_id !== projectId) throw policyDenied('volume_extension:quotas:show');
}

export function quotaRoutes(deps: VolumeDeps): VolumeRoute[] {
  return [
    route({
      method: 'GET',
      path: '/v3/os-quota-sets/:project/defaults',
      handler: async (req) => {
        assertMayRead(req.ctx, req.params.project);
        return json({ quota_set: { ...defaults(deps, await typeNames(deps)), id: req.params.project } });
      },
    }),
    route({
      method: 'GET',
      path: '/v3/os-quota-sets/:project',
      handler: async (req) => {
        const project = req.params.project;
        assertMayRead(req.ctx, project);
        const limits = await limitsOf(deps, project);
        if (!boolParam(param(req, 'usage'), 'usage')) return json({ quota_set: { ...limits, id: project } });
        const used = await usageOf(deps, project);
        const out: Record<string, unknown> = { id: project };
        for (const [k, limit] of Object.entries(limits)) out[k] = { limit, in_use: used[k] ?? 0, reserved: 0, allocated: 0 };
        return json({ quota_set: out });
      },
    }),
    route({
      method: 'PUT',
      path: '/v3/os-quota-sets/:project',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:quotas:update');
        const project = req.params.project;
        const b: unknown = req.body;
        const set = b && typeof b === 'object' && 'quota_set' in b ? b.quota_set : undefined;
        if (!set || typeof set !== 'object' || Array.isArray(set)) throw badRequest("Invalid input for field/attribute quota_set. Value: None. None is not of type 'object'");
        const known = new Set(Object.keys(defaults(deps, await typeNames(deps))));
        const used = await usageOf(deps, project);
        const values: [string, number][] = [];
        const bad: string[] = [];
        for (const [k, v] of Object.entries(set)) {
          if (k === 'tenant_id' || k === 'id') continue;
          if (!known.has(k)) {
            bad.push(k);
            continue;
          }
          const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
          if (!Number.isInteger(n) || n < -1 || n > 2147483647)
            throw badRequest(`Invalid input for field/attribute ${k}. Value: ${String(v)}. must be an integer between -1 and 2147483647`);
          if (k !== 'per_volume_gigabytes' && n !== -1 && n < (used[k] ?? 0)) {
            throw badRequest(`Quota ${k} limit must be equal or greater than existing resources. Current usage is ${used[k] ?? 0} and the requested limit is ${n}.`);
          }
          values.push([k, n]);
        }
        if (bad.length) throw badRequest(`Bad key(s) in quota set: ${bad.join(', ')}`);
        for (const [k, n] of values) await deps.store.setQuota(project, k, n);
        const limits = await limitsOf(deps, project);
        return json({ quota_set: limits });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/os-quota-sets/:project',
      handler: async (req) => {
        assertAdmin(req.ctx, 'volume_extension:quotas:delete');
        await deps.store.deleteQuotas(req.params.project);
        return { status: 200 };
      },
    }),
    route({
      method: 'GET',
      path: '/v3/limits',
      handler: async (req) => {
        const asked = req.ctx.is_admin ? (param(req, 'project_id') ?? req.ctx.project_id) : req.ctx.project_id;
        const project = asked ?? '';
        const l = await limitsOf(deps, project);
        const u = await usageOf(deps, project);
        return json({
          limits: {
            rate: [],
            absolute: {
              maxTotalVolumes: l.volumes,
              maxTotalSnapshots: l.snapshots,
              maxTotalVolumeGigabytes: l.gigabytes,
              maxTotalBackups: l.backups,
              maxTotalBackupGigabytes: l.backup_gigabytes,
              totalVolumesUsed: u.volumes,
              totalSnapshotsUsed: u.snapshots,
              totalGigabytesUsed: u.gigabytes,
              totalBackupsUsed: 0,
              totalBackupGigabytesUsed: 0,
            },
          },
        });
      },
    }),
  ];
}
