/**
 * The claims of a compute host made to agree with its instances (the
 * resource tracker's healing in Nova): every live instance placed on one of
 * the host's nodes holds an allocation there; an allocation is released when
 * its instance is gone, lives on another host, or ended a build with no host
 * (an ERROR server that never reached its host holds nothing). A claim the
 * scheduler took for an instance it is still placing (host not yet set) is
 * left alone, and so are a move's: the source's claim held by the
 * migration record, the destination's held by the instance.
 */
import type { ResourceRequest } from '../../objects/compute-node.ts';
import { MIGRATION_DONE_STATUSES } from '../../objects/migration.ts';
import type { Db } from '../connection.ts';
import type { ComputeNodeRepository } from './compute-nodes.ts';

/** What one heal changed, per instance uuid. */
export interface AllocationHealReport {
  readonly claimed: string[];
  readonly released: string[];
}

/** The resources an instance's flavor takes (as the scheduler claims them). */
function requestOf(i: { vcpus: number; memory_mb: number; root_gb: number; ephemeral_gb: number; swap: number }): ResourceRequest {
  return { vcpus: i.vcpus, memory_mb: i.memory_mb, disk_gb: i.root_gb + i.ephemeral_gb + Math.ceil(i.swap / 1024) };
}

export async function healAllocations(db: Db, nodes: ComputeNodeRepository, host: string): Promise<AllocationHealReport> {
  const report: AllocationHealReport = { claimed: [], released: [] };
  // Moves in progress through this host: the source's claim is the migration's, the destination's the instance's.
  const moves = await db.kysely
    .selectFrom('migrations')
    .select(['uuid', 'instance_uuid', 'source_compute', 'dest_compute'])
    .where('deleted', '=', 0)
    .where('status', 'not in', [...MIGRATION_DONE_STATUSES])
    .where((eb) => eb.or([eb('source_compute', '=', host), eb('dest_compute', '=', host)]))
    .execute();
  const migrationsHere = new Set(moves.filter((m) => m.source_compute === host).map((m) => m.uuid));
  const movingAway = new Set(moves.filter((m) => m.source_compute === host).map((m) => m.instance_uuid));
  const movingHere = new Set(moves.filter((m) => m.dest_compute === host).map((m) => m.instance_uuid));
  for (const node of await nodes.listByHost(host)) {
    const held = await nodes.allocationsOn(node.id);
    const consumers = held.map((a) => a.consumer_uuid);
    const owners = consumers.length
      ? await db.kysely.selectFrom('instances').select(['uuid', 'host', 'deleted', 'vm_state', 'task_state']).where('uuid', 'in', consumers).execute()
      : [];
    const byUuid = new Map(owners.map((o) => [o.uuid, o]));
    for (const a of held) {
      if (migrationsHere.has(a.consumer_uuid)) continue;
      const i = byUuid.get(a.consumer_uuid);
      const placing = i && i.deleted === 0 && i.host === null && i.vm_state === 'building' && i.task_state === 'scheduling';
      const here = i && i.deleted === 0 && (i.host === host || movingHere.has(i.uuid));
      if (here || placing) continue;
      await nodes.release(a.consumer_uuid, node.id);
      report.released.push(a.consumer_uuid);
    }
    const holders = new Set(consumers);
    const hosted = await db.kysely
      .selectFrom('instances')
      .innerJoin('flavors', 'flavors.id', 'instances.instance_type_id')
      .select(['instances.uuid', 'instances.vcpus', 'instances.memory_mb', 'instances.root_gb', 'instances.ephemeral_gb', 'flavors.swap'])
      .where('instances.host', '=', host)
      .where('instances.node', '=', node.hypervisor_hostname)
      .where('instances.deleted', '=', 0)
      .execute();
    for (const i of hosted) {
      if (holders.has(i.uuid) || movingAway.has(i.uuid)) continue;
      await nodes.claim(node.id, i.uuid, requestOf(i), { force: true });
      report.claimed.push(i.uuid);
    }
  }
  return report;
}
