/**
 * The resource invariant of server moves, checked against the database of a
 * settled cloud (no instance in a task state): each host's used memory,
 * vCPUs and disk are the sum of what is allocated on it, and every
 * allocation belongs to what Nova would have hold it —
 *
 * - an instance on a host holds its flavor there, once (RESIZED: the new
 *   flavor on the destination; SHELVED_OFFLOADED or deleted: nothing);
 * - a migration holds the instance's old flavor on its source while it is in
 *   progress: `finished` (VERIFY_RESIZE) and an evacuation's `done` (until
 *   the source's nova-compute comes back and cleans up); in any final status
 *   (confirmed, reverted, completed, error, failed, cancelled) nothing.
 */
import assert from 'node:assert/strict';
import type { DbApi } from '../../src/db/api/index.ts';
import type { FlavorSnapshot, InstanceDTO } from '../../src/objects/instance.ts';

const FINAL = ['confirmed', 'reverted', 'completed', 'error', 'failed', 'cancelled'];

function demand(f: Pick<FlavorSnapshot, 'vcpus' | 'memory_mb' | 'root_gb' | 'ephemeral_gb' | 'swap'>) {
  return { vcpus: f.vcpus, memory_mb: f.memory_mb, disk_gb: f.root_gb + f.ephemeral_gb + Math.ceil(f.swap / 1024) };
}

/** Assert the invariant; `where` names the step in the messages. */
export async function assertClaimsConsistent(db: DbApi, where = ''): Promise<void> {
  const at = where ? ` (${where})` : '';
  const nodes = await db.computeNodes.list();
  for (const n of nodes) {
    const allocs = await db.computeNodes.allocationsOn(n.id);
    const sum = (k: 'vcpus' | 'memory_mb' | 'disk_gb') => allocs.reduce((a, x) => a + x[k], 0);
    assert.equal(n.memory_mb_used, sum('memory_mb'), `node ${n.host}: memory_mb_used is the sum of its allocations${at}`);
    assert.equal(n.vcpus_used, sum('vcpus'), `node ${n.host}: vcpus_used is the sum of its allocations${at}`);
    assert.equal(n.local_gb_used, sum('disk_gb'), `node ${n.host}: local_gb_used is the sum of its allocations${at}`);
  }
  const nodeOf = (host: string | null) => nodes.find((n) => n.host === host)?.id;
  const instances = new Map<string, InstanceDTO>();
  for (const inst of await db.instances.list({}, {})) {
    if (inst.deleted) continue;
    instances.set(inst.uuid, inst);
    assert.equal(inst.task_state, null, `${inst.display_name} is settled, not in task_state ${inst.task_state}${at}`);
    const held = await db.computeNodes.allocationsOf(inst.uuid);
    if (inst.vm_state === 'shelved_offloaded' || inst.host === null) {
      assert.deepEqual(held, [], `${inst.display_name} (${inst.vm_state}, no host) holds nothing${at}`);
      continue;
    }
    assert.equal(held.length, 1, `${inst.display_name} (${inst.vm_state}) holds one allocation: ${JSON.stringify(held)}${at}`);
    const [a] = held;
    assert.equal(a?.compute_node_id, nodeOf(inst.host), `${inst.display_name}'s allocation is on its host ${inst.host}${at}`);
    assert.deepEqual(
      { vcpus: a?.vcpus, memory_mb: a?.memory_mb, disk_gb: a?.disk_gb },
      demand(inst.flavor),
      `${inst.display_name} (${inst.vm_state}) holds its flavor ${inst.flavor.name}${at}`,
    );
  }
  for (const m of await db.migrations.list({})) {
    const held = await db.computeNodes.allocationsOf(m.uuid);
    const inst = instances.get(m.instance_uuid);
    const inProgress = inst && (m.status === 'finished' || (m.status === 'done' && m.migration_type === 'evacuation'));
    if (!inProgress || FINAL.includes(m.status)) {
      assert.deepEqual(held, [], `migration ${m.id} (${m.migration_type}, ${m.status}) holds nothing${at}`);
      continue;
    }
    if (m.status === 'done' && held.length === 0) continue; // the source came back and cleaned up
    assert.equal(held.length, 1, `migration ${m.id} (${m.migration_type}, ${m.status}) holds the source's claim${at}`);
    assert.equal(held[0]?.compute_node_id, nodeOf(m.source_compute), `migration ${m.id}'s claim is on its source ${m.source_compute}${at}`);
    const old = m.status === 'finished' ? (inst.old_flavor ?? inst.flavor) : inst.flavor;
    assert.equal(held[0]?.memory_mb, old.memory_mb, `migration ${m.id} holds the old flavor's memory${at}`);
  }
}
