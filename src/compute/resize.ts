/**
 * Cold moves (resize and cold migration), as Nova's compute manager runs
 * them across the two hosts:
 *
 *   destination prep_resize → source resize_instance (power off, hand the
 *   disk over) → destination finish_resize (VERIFY_RESIZE);
 *   then confirm_resize on the source (drop the old guest and its claim), or
 *   revert_resize on the destination (drop the new guest and its claim) →
 *   finish_revert_resize on the source (the old guest back).
 *
 * Claims: the source's claim belongs to the migration record from the start
 * (nova-conductor moved it there), the destination's to the instance; a
 * confirm releases the migration's, a revert gives it back to the instance.
 * A failure on either host rolls the move back (claims too) and leaves the
 * instance where it was, ACTIVE or STOPPED, with a fault and the migration
 * in `error` — never in a task state.
 *
 * Volumes (move-volumes.ts): the source lets its attachments go once the
 * guest is off (reservations without a connector replace them), the
 * destination connects them at finish_resize for the driver; a revert lets
 * the destination's go and the source connects them again.
 */
import { adminContext, type RequestContext } from '../context.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { MigrationDTO } from '../objects/migration.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import { completeAttachments, connectHere, reconnectHere, terminateConnections } from './move-volumes.ts';
import { ComputeOps, errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';

/** The vm_state a move ends in: the instance keeps its power (a stopped one stays stopped). */
function powerOnAfter(inst: InstanceDTO): boolean {
  return inst.power_state !== PowerState.SHUTDOWN && inst.vm_state !== VmState.STOPPED;
}

/** The vm_state the instance had before the move (kept in system_metadata by nova-api as old_vm_state). */
function oldVmState(inst: InstanceDTO): string {
  return inst.system_metadata.old_vm_state === VmState.STOPPED ? VmState.STOPPED : VmState.ACTIVE;
}

/** Undo a move that did not happen: claims back, migration in error, instance back to its state with a fault. */
async function rollback(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO, migration: MigrationDTO, e: unknown, what: string): Promise<void> {
  ops.log.error({ instance: inst.uuid, migration: migration.uuid, err: errorText(e) }, `${what} failed; rolling the move back`);
  await ops.fault(ctx, inst, e, what);
  await ops.conductor.allocations_revert(ctx, { instance_uuid: inst.uuid, migration_uuid: migration.uuid }).catch(ops.logFailure(inst.uuid, 'give the source its claim back'));
  await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'error' } }).catch(ops.logFailure(inst.uuid, 'mark the migration failed'));
  await ops
    .update(ctx, inst.uuid, {
      task_state: null,
      vm_state: oldVmState(inst),
      host: migration.source_compute,
      node: migration.source_node,
      ...figures(inst.flavor),
      new_flavor: null,
      old_flavor: null,
    })
    .catch(ops.logFailure(inst.uuid, 'put the instance back on its source'));
}

export async function prepResize(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'prep_resize'>): Promise<void> {
  const { instance: inst, migration } = args;
  try {
    await ops.event(ctx, inst, 'compute_prep_resize', async () => {
      if (migration.source_compute === ops.host && !ops.driver.capabilities.supports_migrate_to_same_host) {
        throw new Error(`The driver of ${ops.host} cannot resize or migrate to the same host.`);
      }
      if (!ops.driver.capabilities.supports_migrate) throw new Error(`The driver of ${ops.host} cannot take cold migrations.`);
    });
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'pre-migrating' } });
    await ops.compute.resize_instance(ctx, { instance: inst, migration, clean_shutdown: args.clean_shutdown });
  } catch (e) {
    await rollback(ops, ctx, inst, migration, e, 'prep_resize');
  }
}

export async function resizeInstance(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'resize_instance'>): Promise<void> {
  const { instance: inst, migration } = args;
  const dest = migration.dest_compute ?? '';
  let released = false;
  try {
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'migrating' } });
    let i = await ops.update(ctx, inst.uuid, { task_state: TaskState.RESIZE_MIGRATING }, [TaskState.RESIZE_PREP]);
    const timeout = args.clean_shutdown ? ops.conf.compute.shutdown_timeout : 0;
    const disk = await ops.event(ctx, i, 'compute_resize_instance', () => ops.driver.migrateDiskAndPowerOff(i, { host: dest, address: migration.dest_host ?? dest }, timeout));
    // The guest is off: this host lets its volumes go, the destination connects them (Nova's _terminate_volume_connections).
    released = true;
    await terminateConnections(ops, ctx, inst.uuid);
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'post-migrating' } });
    i = await ops.update(ctx, inst.uuid, { task_state: TaskState.RESIZE_MIGRATED }, [TaskState.RESIZE_MIGRATING]);
    await ops.compute.finish_resize(ctx, { host: dest, instance: i, migration, disk_info: disk });
  } catch (e) {
    if (ComputeOps.changedMeanwhile(e)) {
      ops.log.info({ instance: inst.uuid, err: errorText(e) }, 'instance changed during resize_instance; leaving it');
      return;
    }
    // The guest may be off already: bring it back here before handing the instance back (with its volumes connected here again).
    const bdi = released ? await reconnectHere(ops, ctx, inst.uuid).catch(ops.logFailure(inst.uuid, 'connect the volumes to the source again')) : undefined;
    await ops.driver.finishRevertMigration(inst, powerOnAfter(inst), bdi ?? undefined).catch(ops.logFailure(inst.uuid, 'restart the guest on the source after a failed resize'));
    await rollback(ops, ctx, inst, migration, e, 'resize_instance');
  }
}

export async function finishResize(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'finish_resize'>): Promise<void> {
  const { migration } = args;
  let inst = args.instance;
  try {
    inst = await ops.update(ctx, inst.uuid, { task_state: TaskState.RESIZE_FINISH, host: ops.host, node: migration.dest_node, old_flavor: inst.flavor, ...flavorFigures(inst) }, [
      TaskState.RESIZE_MIGRATED,
    ]);
    // The ports follow the instance before its guest starts here (migrate_instance_finish).
    inst = await ops.bindPorts(ctx, inst, ops.host);
    const powerOn = oldVmState(inst) === VmState.ACTIVE;
    const image = { id: inst.image_ref, properties: {} };
    const spawned = inst;
    await ops.event(ctx, inst, 'compute_finish_resize', async () => {
      // The volumes connected here (Nova's _update_volume_attachments), then in-use once the guest has them.
      const volumes = await connectHere(ops, ctx, spawned.uuid);
      await ops.driver.finishMigration(spawned, args.disk_info, image, powerOn, volumes.info);
      await completeAttachments(ops, ctx, volumes);
    });
    await ops.update(ctx, inst.uuid, { vm_state: VmState.RESIZED, task_state: null, power_state: powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN }, [TaskState.RESIZE_FINISH]);
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'finished' } });
    ops.log.info({ instance: inst.uuid, source: migration.source_compute }, 'resize finished: waiting for confirm or revert');
  } catch (e) {
    if (ComputeOps.changedMeanwhile(e)) {
      ops.log.info({ instance: inst.uuid, err: errorText(e) }, 'instance changed during finish_resize; leaving it');
      return;
    }
    await ops.driver.destroy(inst).catch(ops.logFailure(inst.uuid, 'destroy the half-made guest on the destination'));
    await terminateConnections(ops, ctx, inst.uuid).catch(ops.logFailure(inst.uuid, 'let the volumes go on the destination'));
    const old = { ...inst, flavor: inst.old_flavor ?? inst.flavor };
    await rollback(ops, ctx, old, migration, e, 'finish_resize');
    // The source keeps its guest powered off: bring it back there (the migration stays in error).
    await ops.compute
      .finish_revert_resize(ctx, { host: migration.source_compute ?? '', instance: { ...old, old_flavor: old.flavor }, migration: { ...migration, status: 'error' } })
      .catch(ops.logFailure(inst.uuid, 'ask the source to bring its guest back'));
  }
}

/** The per-flavor figures the instance row keeps beside its flavor snapshot, for `flavor`. */
function flavorFigures(inst: InstanceDTO): Pick<InstanceDTO, 'memory_mb' | 'vcpus' | 'root_gb' | 'ephemeral_gb' | 'instance_type_id'> {
  return figures(inst.new_flavor ?? inst.flavor);
}

/** A flavor and the figures the instance row keeps beside it. */
function figures(f: InstanceDTO['flavor']): Pick<InstanceDTO, 'flavor' | 'memory_mb' | 'vcpus' | 'root_gb' | 'ephemeral_gb' | 'instance_type_id'> {
  return { flavor: f, memory_mb: f.memory_mb, vcpus: f.vcpus, root_gb: f.root_gb, ephemeral_gb: f.ephemeral_gb, instance_type_id: f.id };
}

export async function confirmResize(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'confirm_resize'>): Promise<void> {
  const { instance: inst, migration } = args;
  try {
    await ops.event(ctx, inst, 'compute_confirm_resize', () => ops.driver.confirmMigration(inst));
    await ops.conductor.allocations_release(ctx, { uuid: migration.uuid });
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'confirmed' } });
    const vm = inst.power_state === PowerState.SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE;
    await ops.update(ctx, inst.uuid, { vm_state: vm, task_state: null, old_flavor: null, new_flavor: null }, [TaskState.RESIZE_CONFIRMING, null]);
    ops.log.info({ instance: inst.uuid }, 'resize confirmed');
  } catch (e) {
    if (ComputeOps.changedMeanwhile(e)) return;
    ops.log.error({ instance: inst.uuid, err: errorText(e) }, 'confirm_resize failed');
    await ops.fault(ctx, inst, e, 'confirm_resize');
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'error' } }).catch(ops.logFailure(inst.uuid, 'mark the migration failed'));
    await ops.update(ctx, inst.uuid, { vm_state: VmState.ERROR, task_state: null }).catch(ops.logFailure(inst.uuid, 'put the instance in ERROR'));
  }
}

export async function revertResize(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'revert_resize'>): Promise<void> {
  const { instance: inst, migration } = args;
  try {
    await ops.event(ctx, inst, 'compute_revert_resize', async () => {
      await ops.driver.destroy(inst);
      // The source connects the volumes again in finish_revert_resize.
      await terminateConnections(ops, ctx, inst.uuid);
    });
    await ops.conductor.allocations_revert(ctx, { instance_uuid: inst.uuid, migration_uuid: migration.uuid });
    await ops.compute.finish_revert_resize(ctx, { host: migration.source_compute ?? '', instance: inst, migration });
  } catch (e) {
    if (ComputeOps.changedMeanwhile(e)) return;
    ops.log.error({ instance: inst.uuid, err: errorText(e) }, 'revert_resize failed');
    await ops.fault(ctx, inst, e, 'revert_resize');
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'error' } }).catch(ops.logFailure(inst.uuid, 'mark the migration failed'));
    await ops.update(ctx, inst.uuid, { vm_state: VmState.ERROR, task_state: null }).catch(ops.logFailure(inst.uuid, 'put the instance in ERROR'));
  }
}

export async function finishRevertResize(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'finish_revert_resize'>): Promise<void> {
  const { instance, migration } = args;
  const old = instance.old_flavor ?? instance.flavor;
  let inst: InstanceDTO = { ...instance, flavor: old, memory_mb: old.memory_mb, vcpus: old.vcpus, root_gb: old.root_gb, ephemeral_gb: old.ephemeral_gb };
  const powerOn = oldVmState(instance) === VmState.ACTIVE;
  try {
    // The ports come back to the source before its guest restarts (finish_revert_resize's migrate_instance_finish).
    inst = { ...inst, network_info: (await ops.bindPorts(ctx, inst, ops.host)).network_info };
    const reverted = inst;
    await ops.event(ctx, inst, 'compute_finish_revert_resize', async () => {
      const volumes = await connectHere(ops, ctx, reverted.uuid);
      await ops.driver.finishRevertMigration(reverted, powerOn, volumes.info);
      await completeAttachments(ops, ctx, volumes);
    });
    await ops.update(ctx, inst.uuid, {
      host: ops.host,
      node: migration.source_node,
      flavor: old,
      memory_mb: old.memory_mb,
      vcpus: old.vcpus,
      root_gb: old.root_gb,
      ephemeral_gb: old.ephemeral_gb,
      instance_type_id: old.id,
      old_flavor: null,
      new_flavor: null,
      vm_state: powerOn ? VmState.ACTIVE : VmState.STOPPED,
      power_state: powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN,
      task_state: null,
    });
    // A revert after a failed finish_resize leaves the migration in error.
    if (migration.status !== 'error') await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'reverted' } });
    ops.log.info({ instance: inst.uuid }, 'resize reverted');
  } catch (e) {
    ops.log.error({ instance: inst.uuid, err: errorText(e) }, 'finish_revert_resize failed');
    await ops.fault(ctx, inst, e, 'finish_revert_resize');
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'error' } }).catch(ops.logFailure(inst.uuid, 'mark the migration failed'));
    await ops
      .update(ctx, inst.uuid, { vm_state: VmState.ERROR, task_state: null, host: ops.host, node: migration.source_node })
      .catch(ops.logFailure(inst.uuid, 'put the instance in ERROR'));
  }
}

/**
 * [DEFAULT] resize_confirm_window: resizes finished on this host (the
 * destination) longer ago than the window are confirmed as if the user had,
 * each as a `confirmResize` instance action of its own (Nova's
 * _poll_unconfirmed_resizes): a migration whose instance is gone, in ERROR
 * or not RESIZED/None goes to `error`; one being deleted or still finishing
 * is left for later; a source that is down is tried again next time.
 */
export async function confirmExpiredResizes(ops: ComputeOps, instances: readonly InstanceDTO[], now = Date.now()): Promise<void> {
  const window = ops.conf.DEFAULT.resize_confirm_window;
  if (window <= 0) return;
  const here = new Map(instances.map((i) => [i.uuid, i]));
  const ctx = adminContext();
  const unconfirmed = await ops.conductor.migrations_find(ctx, { dest_compute: ops.host, statuses: ['finished'] });
  for (const migration of unconfirmed) {
    if (!migration.updated_at || Date.parse(`${migration.updated_at.replace(' ', 'T')}Z`) > now - window * 1000) continue;
    const inst = here.get(migration.instance_uuid);
    const toError = (reason: string) => {
      ops.log.warn({ instance: migration.instance_uuid, migration: migration.uuid, reason }, 'setting migration to error');
      return ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'error' } });
    };
    try {
      if (!inst) {
        await toError(`Instance ${migration.instance_uuid} not found`);
        continue;
      }
      if (inst.vm_state === VmState.ERROR) {
        await toError('In ERROR state');
        continue;
      }
      if (inst.task_state === TaskState.DELETING || inst.task_state === TaskState.SOFT_DELETING || inst.task_state === TaskState.RESIZE_FINISH) continue;
      if (inst.vm_state !== VmState.RESIZED || inst.task_state !== null) {
        await toError(`In states ${inst.vm_state}/${inst.task_state}, not RESIZED/None`);
        continue;
      }
      ops.log.info({ instance: inst.uuid, migration: migration.uuid, window }, 'automatically confirming a resize not confirmed within resize_confirm_window');
      // One request (and instance action) per confirmation, as nova-api's confirm_resize records it.
      const actx = adminContext();
      const m = await ops.conductor.migration_update(actx, { uuid: migration.uuid, updates: { status: 'confirming' } });
      await ops.conductor.action_start(actx, { uuid: inst.uuid, action: 'confirmResize' });
      await ops.compute.confirm_resize(actx, { host: migration.source_compute ?? '', instance: inst, migration: m });
    } catch (e) {
      ops.log.info({ instance: migration.instance_uuid, err: errorText(e) }, 'error auto-confirming resize; will retry later');
    }
  }
}
