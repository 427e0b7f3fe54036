import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import { ClaimFailed, ComputeHostNotFound, HypervisorNotFound } from '../../exception/resources.ts';
import {
  type ComputeNodeDTO,
  type ComputeNodeInventory,
  type DriverCapabilities,
  type DriverCapability,
  isDriverCapability,
  type ReportedCapabilities,
  type ResourceRequest,
} from '../../objects/compute-node.ts';
import type { ComputeNodesTable } from '../schema.ts';
import { dbTime } from '../time.ts';
import { affected, type Db, insertedId, isDuplicate, retryOnDeadlock } from './common.ts';

/** The capabilities column: known names with boolean values (anything else a newer nova-compute sent is left out). */
function parseCapabilities(text: string | null): ReportedCapabilities | null {
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const out: Partial<Record<DriverCapability, boolean>> = {};
  for (const [name, value] of Object.entries(parsed)) if (isDriverCapability(name) && typeof value === 'boolean') out[name] = value;
  return out;
}

function toDTO(r: Selectable<ComputeNodesTable>): ComputeNodeDTO {
  return {
    id: r.id,
    uuid: r.uuid,
    service_id: r.service_id,
    host: r.host,
    hypervisor_hostname: r.hypervisor_hostname,
    hypervisor_type: r.hypervisor_type,
    hypervisor_version: r.hypervisor_version,
    cpu_info: r.cpu_info,
    host_ip: r.host_ip,
    vcpus: r.vcpus,
    memory_mb: r.memory_mb,
    local_gb: r.local_gb,
    vcpus_used: r.vcpus_used,
    memory_mb_used: r.memory_mb_used,
    local_gb_used: r.local_gb_used,
    running_vms: r.running_vms,
    capabilities: parseCapabilities(r.capabilities),
    reserved_vcpus: r.reserved_vcpus,
    reserved_memory_mb: r.reserved_memory_mb,
    reserved_disk_gb: r.reserved_disk_gb,
    disk_available_least: r.disk_available_least,
    current_workload: r.current_workload,
    cpu_allocation_ratio: Number(r.cpu_allocation_ratio),
    ram_allocation_ratio: Number(r.ram_allocation_ratio),
    disk_allocation_ratio: Number(r.disk_allocation_ratio),
    generation: r.generation,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export interface Allocation {
  consumer_uuid: string;
  compute_node_id: number;
  vcpus: number;
  memory_mb: number;
  disk_gb: number;
}

/**
 * compute_nodes (inventory reported by nova-compute) and allocations (claims
 * written by nova-scheduler). A claim is one conditional UPDATE that only
 * succeeds while the node has room under its allocation ratios, in the same
 * transaction as the allocation row, so concurrent schedulers can never
 * overcommit a node.
 */
export class ComputeNodeRepository {
  constructor(private readonly db: Db) {}

  private base() {
    return this.db.kysely.selectFrom('compute_nodes').selectAll().where('deleted', '=', 0);
  }

  async get(id: number): Promise<ComputeNodeDTO> {
    const r = await this.base().where('id', '=', id).executeTakeFirst();
    if (!r) throw new HypervisorNotFound(`Hypervisor with ID '${id}' could not be found.`, { id });
    return toDTO(r);
  }

  async getByUuid(uuid: string): Promise<ComputeNodeDTO> {
    const r = await this.base().where('uuid', '=', uuid).executeTakeFirst();
    if (!r) throw new HypervisorNotFound(`Hypervisor with ID '${uuid}' could not be found.`, { id: uuid });
    return toDTO(r);
  }

  async list(): Promise<ComputeNodeDTO[]> {
    return (await this.base().orderBy('id').execute()).map(toDTO);
  }

  /** Every live node's id and generation (bumped on every inventory or claim change): what a cache of the nodes compares to find the changed ones. */
  async generations(): Promise<{ id: number; generation: number }[]> {
    return this.db.kysely.selectFrom('compute_nodes').select(['id', 'generation']).where('deleted', '=', 0).execute();
  }

  /**
   * One row that changes whenever any live node does: how many there are,
   * the sum of their ids (ids are never reused, so a node deleted and another
   * added changes it) and of their generations (which only grow).
   */
  async signature(): Promise<{ count: number; idSum: number; generationSum: number }> {
    const r = await this.db.kysely
      .selectFrom('compute_nodes')
      .select((eb) => [eb.fn.countAll().as('count'), eb.fn.sum<number>('id').as('id_sum'), eb.fn.sum<number>('generation').as('generation_sum')])
      .where('deleted', '=', 0)
      .executeTakeFirstOrThrow();
    return { count: Number(r.count), idSum: Number(r.id_sum ?? 0), generationSum: Number(r.generation_sum ?? 0) };
  }

  /** The live nodes among `ids` (any order; missing or deleted ones left out). */
  async listByIds(ids: readonly number[]): Promise<ComputeNodeDTO[]> {
    const out: ComputeNodeDTO[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.base()
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      out.push(...rows.map(toDTO));
    }
    return out;
  }

  async listByHost(host: string): Promise<ComputeNodeDTO[]> {
    const rows = await this.base().where('host', '=', host).orderBy('id').execute();
    return rows.map(toDTO);
  }

  async getByHost(host: string): Promise<ComputeNodeDTO> {
    const [node] = await this.listByHost(host);
    if (!node) throw ComputeHostNotFound.of(host);
    return node;
  }

  /**
   * Create or refresh a node's inventory; claimed usage is left alone. The
   * driver's capabilities are replaced when given (an older nova-compute
   * sends none: the column keeps what it had).
   */
  async upsertInventory(host: string, serviceId: number | null, inv: ComputeNodeInventory, capabilities?: DriverCapabilities): Promise<ComputeNodeDTO> {
    const now = dbTime();
    const values = { ...inv, service_id: serviceId, updated_at: now, ...(capabilities ? { capabilities: JSON.stringify(capabilities) } : {}) };
    const existing = await this.base().where('host', '=', host).where('hypervisor_hostname', '=', inv.hypervisor_hostname).executeTakeFirst();
    if (existing) {
      await this.db.kysely
        .updateTable('compute_nodes')
        .set((eb) => ({ ...values, generation: eb('generation', '+', 1) }))
        .where('id', '=', existing.id)
        .execute();
      return this.get(existing.id);
    }
    try {
      const r = await this.db.kysely
        .insertInto('compute_nodes')
        .values({ ...values, uuid: randomUUID(), host, created_at: now, stats: '{}' })
        .executeTakeFirstOrThrow();
      return this.get(insertedId(r));
    } catch (e) {
      if (isDuplicate(e)) return this.upsertInventory(host, serviceId, inv, capabilities);
      throw e;
    }
  }

  /**
   * Claim resources for a consumer (instance) on a node. Throws ClaimFailed
   * when the node lacks room (`force`: no check, for healing a claim an
   * instance on the node must hold). Claiming again for the same consumer
   * and node is a no-op.
   */
  async claim(nodeId: number, consumerUuid: string, req: ResourceRequest, opts: { force?: boolean } = {}): Promise<void> {
    const k = this.db.kysely;
    const fits = opts.force
      ? [sql<boolean>`1 = 1`]
      : [
          sql<boolean>`vcpus_used + ${req.vcpus} <= (vcpus - reserved_vcpus) * cpu_allocation_ratio`,
          sql<boolean>`memory_mb_used + ${req.memory_mb} <= (memory_mb - reserved_memory_mb) * ram_allocation_ratio`,
          sql<boolean>`local_gb_used + ${req.disk_gb} <= (local_gb - reserved_disk_gb) * disk_allocation_ratio`,
        ];
    const claimed = await retryOnDeadlock(() =>
      k
        .transaction()
        .execute(async (trx) => {
          const held = await trx.selectFrom('allocations').select('id').where('consumer_uuid', '=', consumerUuid).where('compute_node_id', '=', nodeId).executeTakeFirst();
          if (held) return true;
          const r = await trx
            .updateTable('compute_nodes')
            .set((eb) => ({
              vcpus_used: eb('vcpus_used', '+', req.vcpus),
              memory_mb_used: eb('memory_mb_used', '+', req.memory_mb),
              local_gb_used: eb('local_gb_used', '+', req.disk_gb),
              running_vms: eb('running_vms', '+', 1),
              generation: eb('generation', '+', 1),
            }))
            .where('id', '=', nodeId)
            .where('deleted', '=', 0)
            .where((eb) => eb.and(fits))
            .executeTakeFirst();
          if (affected(r) === 0) return false;
          await trx
            .insertInto('allocations')
            .values({ consumer_uuid: consumerUuid, compute_node_id: nodeId, vcpus: req.vcpus, memory_mb: req.memory_mb, disk_gb: req.disk_gb, created_at: dbTime() })
            .execute();
          return true;
        })
        // The same consumer claimed on this node by a concurrent transaction (a build request sent twice): held, as above (this one rolled back).
        .catch((e: unknown) => {
          if (isDuplicate(e)) return true;
          throw e;
        }),
    );
    if (!claimed) throw new ClaimFailed(`Insufficient resources on compute node ${nodeId} for ${consumerUuid}`, { node_id: nodeId });
  }

  /** Release what a consumer holds (on every node, or on `nodeId` only); returns what was released. Idempotent. */
  async release(consumerUuid: string, nodeId?: number): Promise<Allocation[]> {
    return retryOnDeadlock(() =>
      this.db.kysely.transaction().execute(async (trx) => {
        let q = trx.selectFrom('allocations').selectAll().where('consumer_uuid', '=', consumerUuid);
        if (nodeId !== undefined) q = q.where('compute_node_id', '=', nodeId);
        const allocs = await q.execute();
        const released: Allocation[] = [];
        for (const a of allocs) {
          const d = await trx.deleteFrom('allocations').where('id', '=', a.id).executeTakeFirst();
          if (affected(d) === 0) continue;
          await trx
            .updateTable('compute_nodes')
            .set((eb) => ({
              vcpus_used: eb('vcpus_used', '-', a.vcpus),
              memory_mb_used: eb('memory_mb_used', '-', a.memory_mb),
              local_gb_used: eb('local_gb_used', '-', a.disk_gb),
              running_vms: eb('running_vms', '-', 1),
              generation: eb('generation', '+', 1),
            }))
            .where('id', '=', a.compute_node_id)
            .execute();
          released.push(a);
        }
        return released;
      }),
    );
  }

  /** Give what `from` claims to `to` (a move's source claim goes to its migration record, and back on revert). */
  async moveAllocations(from: string, to: string): Promise<void> {
    await retryOnDeadlock(() => this.db.kysely.updateTable('allocations').set({ consumer_uuid: to }).where('consumer_uuid', '=', from).execute());
  }

  /** A move did not happen: release what the instance claimed anew, give it back what its migration held. */
  async revertAllocations(instanceUuid: string, migrationUuid: string): Promise<void> {
    const held = await this.allocationsOf(migrationUuid);
    if (held.length === 0) return; // reverted before (a repeated call) or never moved
    await this.release(instanceUuid);
    await this.moveAllocations(migrationUuid, instanceUuid);
  }

  async allocationsOf(consumerUuid: string): Promise<Allocation[]> {
    return this.db.kysely
      .selectFrom('allocations')
      .select(['consumer_uuid', 'compute_node_id', 'vcpus', 'memory_mb', 'disk_gb'])
      .where('consumer_uuid', '=', consumerUuid)
      .execute();
  }

  async allocationsOn(nodeId: number): Promise<Allocation[]> {
    return this.db.kysely.selectFrom('allocations').select(['consumer_uuid', 'compute_node_id', 'vcpus', 'memory_mb', 'disk_gb']).where('compute_node_id', '=', nodeId).execute();
  }

  /** The consumers holding allocations on the nodes `ids` (all nodes when omitted), in one query per 500 nodes. */
  async consumersOn(ids?: readonly number[]): Promise<{ consumer_uuid: string; compute_node_id: number }[]> {
    const q = this.db.kysely.selectFrom('allocations').select(['consumer_uuid', 'compute_node_id']);
    if (!ids) return q.execute();
    const out: { consumer_uuid: string; compute_node_id: number }[] = [];
    for (let i = 0; i < ids.length; i += 500) out.push(...(await q.where('compute_node_id', 'in', ids.slice(i, i + 500)).execute()));
    return out;
  }

  async destroy(id: number): Promise<void> {
    const now = dbTime();
    await this.db.kysely
      .updateTable('compute_nodes')
      .set((eb) => ({ deleted: eb.ref('id'), deleted_at: now }))
      .where('id', '=', id)
      .execute();
  }
}
