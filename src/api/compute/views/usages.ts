/**
 * os-simple-tenant-usage bodies (SimpleTenantUsageController._hours_for and
 * _tenant_usages_for_period): per instance the hours of its life inside the
 * period, per tenant the sums. Times are microseconds since the epoch.
 */
import type { InstanceDTO } from '../../../objects/instance.ts';

/** The period asked about and the time of the answer, in microseconds since the epoch. */
export interface UsagePeriod {
  readonly start: number;
  readonly stop: number;
  readonly now: number;
}

/** One server_usages entry, in Nova's key order. */
export interface ServerUsage {
  hours: number;
  flavor: string;
  instance_id: string;
  name: string | null;
  tenant_id: string;
  memory_mb: number;
  local_gb: number;
  vcpus: number;
  started_at: string;
  ended_at: string | null;
  state: string;
  uptime: number;
}

/** One tenant_usages entry, in Nova's key order (server_usages only when detailed). */
export interface TenantUsage {
  tenant_id: string;
  server_usages?: ServerUsage[];
  total_local_gb_usage: number;
  total_vcpus_usage: number;
  total_memory_mb_usage: number;
  total_hours: number;
  start: string;
  stop: string;
}

let lastNow = 0;

/** utcnow in microseconds, never the same value twice (Nova's two defaults, start then end, differ). */
export function nowMicros(): number {
  const t = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastNow = Math.max(t, lastNow + 1);
  return lastNow;
}

/** Microseconds → Nova's rendering of a naive datetime, '2024-01-02T03:04:05.000006'. */
export function isoFromMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const frac = String(((us % 1e6) + 1e6) % 1e6).padStart(6, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}`;
}

/** Microseconds → the stored format, 'YYYY-MM-DD HH:MM:SS.ffffff'. */
export function dbFromMicros(us: number): string {
  return isoFromMicros(us).replace('T', ' ');
}

/** The stored format → microseconds. */
function microsFromDb(s: string): number {
  const [date = '', time = '00:00:00'] = s.trim().split(/[ T]/);
  const [hms = '00:00:00', frac = ''] = time.split('.');
  const ms = Date.parse(`${date}T${hms}Z`);
  return ms * 1000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

/** _hours_for: the hours of [launched_at, terminated_at or stop] inside [start, stop]. */
export function hoursFor(inst: InstanceDTO, period: UsagePeriod): number {
  const launched = inst.launched_at ? microsFromDb(inst.launched_at) : null;
  const terminated = inst.terminated_at ? microsFromDb(inst.terminated_at) : null;
  if (terminated !== null && terminated < period.start) return 0;
  if (launched === null || launched > period.stop) return 0;
  const start = Math.max(launched, period.start);
  const stop = terminated !== null ? Math.min(period.stop, terminated) : period.stop;
  return (stop - start) / 1e6 / 3600;
}

function serverUsage(inst: InstanceDTO, period: UsagePeriod, flavorName: string): ServerUsage {
  const started = microsFromDb(inst.launched_at ?? '');
  const ended = inst.terminated_at ? microsFromDb(inst.terminated_at) : null;
  const f = inst.flavor;
  return {
    hours: hoursFor(inst, period),
    flavor: flavorName,
    instance_id: inst.uuid,
    name: inst.display_name,
    tenant_id: inst.project_id,
    memory_mb: f.memory_mb ?? inst.memory_mb,
    local_gb: (f.root_gb ?? inst.root_gb) + (f.ephemeral_gb ?? inst.ephemeral_gb),
    vcpus: f.vcpus ?? inst.vcpus,
    started_at: isoFromMicros(started),
    ended_at: ended === null ? null : isoFromMicros(ended),
    state: ended === null ? inst.vm_state : 'terminated',
    uptime: Math.trunc(((ended ?? period.now) - started) / 1e6),
  };
}

/**
 * The tenant usages of instances ordered by project (in the order the
 * projects first appear) and every server usage, for the next link.
 * `flavorName` names an instance's flavor ('' when it is gone).
 */
export function tenantUsages(
  instances: readonly InstanceDTO[],
  period: UsagePeriod,
  detailed: boolean,
  flavorName: (inst: InstanceDTO) => string,
): { usages: TenantUsage[]; serverUsages: ServerUsage[] } {
  const byTenant = new Map<string, TenantUsage>();
  const serverUsages: ServerUsage[] = [];
  for (const inst of instances) {
    const info = serverUsage(inst, period, flavorName(inst));
    let summary = byTenant.get(info.tenant_id);
    if (!summary) {
      summary = {
        tenant_id: info.tenant_id,
        ...(detailed ? { server_usages: [] } : {}),
        total_local_gb_usage: 0,
        total_vcpus_usage: 0,
        total_memory_mb_usage: 0,
        total_hours: 0,
        start: isoFromMicros(period.start),
        stop: isoFromMicros(period.stop),
      };
      byTenant.set(info.tenant_id, summary);
    }
    summary.total_local_gb_usage += info.local_gb * info.hours;
    summary.total_vcpus_usage += info.vcpus * info.hours;
    summary.total_memory_mb_usage += info.memory_mb * info.hours;
    summary.total_hours += info.hours;
    serverUsages.push(info);
    summary.server_usages?.push(info);
  }
  return { usages: [...byTenant.values()], serverUsages };
}
