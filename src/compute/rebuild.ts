/**
 * Rebuild (a new or the same image on the instance's host) and evacuate
 * (the same on another host, from a host that is down), as Nova's
 * rebuild_instance: REBUILDING → REBUILD_SPAWNING → ACTIVE, a stopped
 * instance stopped again afterwards. Evacuated instances are cleaned off
 * their old host when its nova-compute comes back (Nova's
 * _destroy_evacuated_instances), which also releases the claim the
 * migration held there. A failed evacuation leaves the instance in ERROR
 * on its source again, with its claim there. The volumes are let go (a
 * reservation without a connector replaces each attachment: the old host
 * of an evacuation is down, a rebuilt guest is gone) and connected to this
 * host for the spawn, as Nova's detach_block_devices and
 * _prep_block_device do; a failed evacuation lets them go again.
 */
import type { RequestContext } from '../context.ts';
import { InstanceNotFound } from '../exception/instance.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import { prepBlockDevices } from './block-devices.ts';
import { terminateConnections } from './move-volumes.ts';
import { type ComputeOps, errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';

export async function rebuild(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'rebuild_instance'>): Promise<void> {
  const { migration } = args;
  const evacuate = migration !== null;
  const event = 'compute_rebuild_instance';
  let inst = args.instance;
  const wasStopped = inst.vm_state === VmState.STOPPED;
  try {
    if (evacuate) {
      inst = await ops.update(ctx, inst.uuid, { host: ops.host, node: args.node }, [TaskState.REBUILDING]);
      // The ports are bound to the new host before the guest is spawned there (setup_instance_network_on_host).
      inst = await ops.bindPorts(ctx, inst, ops.host);
    }
    inst = await ops.update(ctx, inst.uuid, { task_state: TaskState.REBUILD_SPAWNING }, [TaskState.REBUILDING]);
    await ops.event(ctx, inst, event, async () => {
      if (!evacuate) await ops.driver.destroy(inst);
      await terminateConnections(ops, ctx, inst.uuid);
      const blockDeviceInfo = await prepBlockDevices(ops, ctx, inst);
      await ops.driver.spawn(inst, { image: args.image, adminPassword: args.admin_password, ...(blockDeviceInfo ? { blockDeviceInfo } : {}) });
      if (wasStopped) await ops.driver.powerOff(inst, 0);
    });
    await ops.update(
      ctx,
      inst.uuid,
      {
        vm_state: wasStopped ? VmState.STOPPED : VmState.ACTIVE,
        task_state: null,
        power_state: wasStopped ? PowerState.SHUTDOWN : PowerState.RUNNING,
        launched_at: inst.launched_at,
      },
      [TaskState.REBUILD_SPAWNING],
    );
    if (migration) await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'done' } });
    ops.log.info({ instance: inst.uuid, evacuate }, evacuate ? 'instance evacuated here' : 'instance rebuilt');
  } catch (e) {
    if (e instanceof InstanceNotFound) return;
    ops.log.error({ instance: inst.uuid, err: errorText(e) }, evacuate ? 'evacuation failed' : 'rebuild failed');
    await ops.fault(ctx, inst, e, evacuate ? 'evacuate' : 'rebuild');
    if (!migration) {
      await ops.update(ctx, inst.uuid, { vm_state: VmState.ERROR, task_state: null }).catch(ops.logFailure(inst.uuid, 'put the instance in ERROR'));
      return;
    }
    // A failed evacuation: nothing runs here, so the claim taken here goes and the instance, in ERROR, is its source's
    // again (whose guest is still there, with the claim the migration held) — to be evacuated again once fixed.
    await ops.driver.destroy(inst).catch(ops.logFailure(inst.uuid, 'destroy the half-made guest of a failed evacuation'));
    await terminateConnections(ops, ctx, inst.uuid).catch(ops.logFailure(inst.uuid, 'let the volumes of a failed evacuation go'));
    await ops.bindPorts(ctx, inst, migration.source_compute ?? '').catch(ops.logFailure(inst.uuid, 'bind the ports to the source again'));
    await ops.conductor.allocations_revert(ctx, { instance_uuid: inst.uuid, migration_uuid: migration.uuid }).catch(ops.logFailure(inst.uuid, 'give the source its claim back'));
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'failed' } }).catch(ops.logFailure(inst.uuid, 'mark the migration failed'));
    await ops
      .update(ctx, inst.uuid, { vm_state: VmState.ERROR, task_state: null, host: migration.source_compute, node: migration.source_node })
      .catch(ops.logFailure(inst.uuid, 'put the instance in ERROR on its source'));
  }
}

/** At start: guests of instances evacuated away while this host was down go, with the claims their migrations held here. */
export async function destroyEvacuated(ops: ComputeOps, ctx: RequestContext): Promise<void> {
  const evacuations = await ops.conductor.migrations_find(ctx, { source_compute: ops.host, migration_type: 'evacuation', statuses: ['accepted', 'pre-migrating', 'done'] });
  for (const m of evacuations) {
    try {
      const inst = await ops.conductor.instance_get(ctx, { uuid: m.instance_uuid, read_deleted: true });
      if (!inst.deleted && inst.host === ops.host) continue; // it never left
      await ops.driver.destroy({ ...inst, host: ops.host, node: m.source_node });
      await ops.conductor.allocations_release(ctx, { uuid: m.uuid });
      await ops.conductor.migration_update(ctx, { uuid: m.uuid, updates: { status: 'completed' } });
      ops.log.info({ instance: m.instance_uuid, dest: m.dest_compute }, 'removed the guest of an instance evacuated while this host was down');
    } catch (e) {
      ops.log.warn({ instance: m.instance_uuid, migration: m.uuid, err: errorText(e) }, 'could not clean up an evacuated instance');
    }
  }
}
