/**
 * What must hold once a storm has settled, read from the database and from
 * the fake hypervisors' guest files (as one would inspect real hypervisors):
 * no server in a transitional state, every ERROR with a fault, no accepted
 * server lost, none duplicated, every host's usage equal to the sum of its
 * servers' claims and its claims to its servers, no guest without a server
 * and no running server without a guest.
 */
import fs from 'node:fs';
import type { DbApi } from '../../src/db/api/index.ts';

export interface Violations {
  stuck: string[];
  errorWithoutFault: string[];
  lost: string[];
  duplicated: string[];
  notDeleted: string[];
  usageMismatch: string[];
  orphanedGuests: string[];
  guestlessServers: string[];
}

export interface Census {
  /** The fault messages of the ERROR servers, with how many servers have each. */
  readonly errorFaults: Readonly<Record<string, number>>;
  readonly live: number;
  readonly active: number;
  readonly error: number;
  readonly deleted: number;
  readonly unacknowledged: number;
}

export const VIOLATION_NAMES: Record<keyof Violations, string> = {
  stuck: 'servers in a transitional state',
  errorWithoutFault: 'ERROR servers without a fault',
  lost: 'accepted servers lost',
  duplicated: 'servers duplicated',
  notDeleted: 'deletes accepted but not done',
  usageMismatch: 'hosts whose usage is not the sum of their servers',
  orphanedGuests: 'guests without a server',
  guestlessServers: 'running servers without a guest',
};

function guestsOf(file: string): string[] {
  try {
    const list: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(list) ? list.flatMap((g: unknown) => (g !== null && typeof g === 'object' && 'uuid' in g && typeof g.uuid === 'string' ? [g.uuid] : [])) : [];
  } catch {
    return [];
  }
}

export async function checkInvariants(
  db: DbApi,
  run: { prefix: string; accepted: ReadonlyMap<string, string>; deleted: ReadonlySet<string>; computes: readonly string[]; guestsFile: (host: string) => string },
): Promise<{ violations: Violations; census: Census }> {
  const k = db.db.kysely;
  const rows = await k
    .selectFrom('instances')
    .select(['uuid', 'display_name', 'vm_state', 'task_state', 'host', 'node', 'deleted'])
    .where('display_name', 'like', `${run.prefix}-%`)
    .execute();
  const live = rows.filter((r) => r.deleted === 0);
  const v: Violations = { stuck: [], errorWithoutFault: [], lost: [], duplicated: [], notDeleted: [], usageMismatch: [], orphanedGuests: [], guestlessServers: [] };
  for (const r of live) if (r.vm_state === 'building' || r.task_state !== null) v.stuck.push(`${r.uuid} ${r.vm_state}/${r.task_state}`);
  const errored = live.filter((r) => r.vm_state === 'error').map((r) => r.uuid);
  const errorFaults: Record<string, number> = {};
  if (errored.length) {
    const faults = await k.selectFrom('instance_faults').select(['instance_uuid', 'message']).where('instance_uuid', 'in', errored).orderBy('id', 'desc').execute();
    const latest = new Map<string, string>();
    for (const f of faults) if (!latest.has(f.instance_uuid)) latest.set(f.instance_uuid, f.message ?? '');
    for (const u of errored) if (!latest.has(u)) v.errorWithoutFault.push(u);
    for (const m of latest.values()) {
      const key = m.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>').slice(0, 120);
      errorFaults[key] = (errorFaults[key] ?? 0) + 1;
    }
  }
  const byUuid = new Map(rows.map((r) => [r.uuid, r]));
  for (const [name, id] of run.accepted) {
    const r = byUuid.get(id);
    if (!r) v.lost.push(`${name} ${id}`);
    else if (r.deleted !== 0 && !run.deleted.has(id)) v.lost.push(`${name} ${id} (deleted by nobody)`);
  }
  for (const id of run.deleted) if (byUuid.get(id)?.deleted === 0) v.notDeleted.push(id);
  const names = new Map<string, number>();
  for (const r of live) names.set(r.display_name ?? '', (names.get(r.display_name ?? '') ?? 0) + 1);
  for (const [name, n] of names) if (n > 1) v.duplicated.push(`${name} ×${n}`);

  for (const host of run.computes) {
    for (const node of await db.computeNodes.listByHost(host)) {
      const held = await db.computeNodes.allocationsOn(node.id);
      const sum = held.reduce((a, x) => ({ vcpus: a.vcpus + x.vcpus, memory_mb: a.memory_mb + x.memory_mb }), { vcpus: 0, memory_mb: 0 });
      if (sum.vcpus !== node.vcpus_used || sum.memory_mb !== node.memory_mb_used)
        v.usageMismatch.push(`${host}: used ${node.vcpus_used} vCPU/${node.memory_mb_used} MB, claims ${sum.vcpus}/${sum.memory_mb}`);
      const hosted = await k.selectFrom('instances').select('uuid').where('host', '=', host).where('node', '=', node.hypervisor_hostname).where('deleted', '=', 0).execute();
      const claims = new Set(held.map((a) => a.consumer_uuid));
      const servers = new Set(hosted.map((i) => i.uuid));
      const unclaimed = [...servers].filter((u) => !claims.has(u));
      const stray = [...claims].filter((u) => !servers.has(u));
      if (unclaimed.length || stray.length) v.usageMismatch.push(`${host}: ${unclaimed.length} servers without a claim, ${stray.length} claims without a server`);
    }
    const guests = new Set(guestsOf(run.guestsFile(host)));
    const here = live.filter((r) => r.host === host);
    const hereIds = new Set(here.map((r) => r.uuid));
    for (const g of guests) if (!hereIds.has(g)) v.orphanedGuests.push(`${host}: ${g}`);
    for (const r of here)
      if ((r.vm_state === 'active' || r.vm_state === 'stopped' || r.vm_state === 'paused' || r.vm_state === 'suspended') && !guests.has(r.uuid))
        v.guestlessServers.push(`${host}: ${r.uuid}`);
  }
  const acknowledged = new Set(run.accepted.values());
  return {
    violations: v,
    census: {
      errorFaults,
      live: live.length,
      active: live.filter((r) => r.vm_state === 'active').length,
      error: errored.length,
      deleted: rows.length - live.length,
      unacknowledged: rows.filter((r) => !acknowledged.has(r.uuid)).length,
    },
  };
}

export function violationCount(v: Violations): number {
  return Object.values(v).reduce((n, list) => n + list.length, 0);
}
