/**
 * Live migration on the two compute hosts (Nova's live_migration,
 * pre_live_migration, post_live_migration_at_destination and the
 * rollback): the destination prepares, the source's driver moves the
 * running guest and reports progress into the migration record, then the
 * destination takes the guest over and the source's claim (held by the
 * migration) is released. A failure or an abort rolls back: the
 * destination drops what it prepared, its claim goes, the guest keeps
 * running on the source, the task state is cleared. Volumes follow the
 * guest: the destination connects its own attachments beforehand, the
 * source's are deleted once it runs there, a rollback deletes the
 * destination's (move-volumes.ts).
 */
import type { RequestContext } from '../context.ts';
import type { BlockDeviceMappingDTO } from '../objects/block-device.ts';
import { PowerState, TaskState } from '../objects/states.ts';
import type { LiveMigrateData, LiveMigrationProgress } from '../virt/driver.ts';
import { attachedVolumes, attachForLiveMigration, completeAttachments, deleteSourceAttachments, rollbackVolumeBdms } from './move-volumes.ts';
import { type ComputeOps, errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';

/** How often progress is written to the migration record at most. */
const PROGRESS_EVERY_MS = 500;

export async function liveMigration(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'live_migration'>): Promise<void> {
  const { instance: inst, migration, dest } = args;
  let lastWrite = 0;
  const onProgress = (p: LiveMigrationProgress) => {
    if (Date.now() - lastWrite < PROGRESS_EVERY_MS) return;
    lastWrite = Date.now();
    ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { ...p } }).catch(ops.logFailure(inst.uuid, 'record live migration progress'));
  };
  // The mappings before the destination points them at its own attachments (Nova's source_bdms).
  let sourceBdms: BlockDeviceMappingDTO[] = [];
  try {
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'preparing' } });
    sourceBdms = await attachedVolumes(ops, ctx, inst.uuid);
    const data = await ops.compute.pre_live_migration(ctx, { host: dest, instance: inst, block_migration: args.block_migration });
    await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'running' } });
    await ops.event(ctx, inst, 'compute_live_migration', () => ops.driver.liveMigration(inst, { host: dest, address: args.dest_address }, data, onProgress));
  } catch (e) {
    const now = await ops.conductor.migration_get(ctx, { uuid: migration.uuid }).catch((err: unknown) => {
      ops.logFailure(inst.uuid, 'read the migration after a failed live migration')(err);
      return migration;
    });
    const aborted = now.status === 'cancelling';
    ops.log.warn({ instance: inst.uuid, dest, err: errorText(e), aborted }, aborted ? 'live migration aborted' : 'live migration failed; rolling back');
    await ops.compute.rollback_live_migration_at_destination(ctx, { host: dest, instance: inst }).catch(ops.logFailure(inst.uuid, 'roll the destination back'));
    await rollbackVolumeBdms(ops, ctx, inst.uuid, sourceBdms).catch(ops.logFailure(inst.uuid, "give the volumes the source's attachments back"));
    await ops.conductor.allocations_revert(ctx, { instance_uuid: inst.uuid, migration_uuid: migration.uuid }).catch(ops.logFailure(inst.uuid, 'give the source its claim back'));
    await ops.conductor
      .migration_update(ctx, { uuid: migration.uuid, updates: { status: aborted ? 'cancelled' : 'error' } })
      .catch(ops.logFailure(inst.uuid, 'mark the migration'));
    if (!aborted) await ops.fault(ctx, inst, e, 'live migration');
    await ops.update(ctx, inst.uuid, { task_state: null }, [TaskState.MIGRATING]).catch(ops.logFailure(inst.uuid, 'clear the task state after a failed live migration'));
    return;
  }
  // The guest runs on the destination with its own attachments: the source's go (whatever happens next).
  await deleteSourceAttachments(ops, ctx, inst.uuid, sourceBdms).catch(ops.logFailure(inst.uuid, "delete the source's volume attachments"));
  try {
    await ops.compute.post_live_migration_at_destination(ctx, { host: dest, instance: inst, migration });
  } catch (e) {
    // The guest runs on the destination already: it cannot come back. ERROR there with a fault, as Nova leaves it.
    ops.log.error({ instance: inst.uuid, dest, err: errorText(e) }, 'post_live_migration_at_destination failed');
    await ops.fault(ctx, inst, e, 'post_live_migration_at_destination');
    await ops.update(ctx, inst.uuid, { vm_state: 'error', task_state: null, host: dest, node: migration.dest_node }).catch(ops.logFailure(inst.uuid, 'put the instance in ERROR'));
  }
  await ops.conductor.allocations_release(ctx, { uuid: migration.uuid });
  await ops.conductor.migration_update(ctx, { uuid: migration.uuid, updates: { status: 'completed' } });
  await ops.driver.destroy(inst).catch(ops.logFailure(inst.uuid, 'clean what the live migration left on the source'));
  ops.log.info({ instance: inst.uuid, dest }, 'live migration completed');
}

export function checkDestination(
  ops: ComputeOps,
  ctx: RequestContext,
  args: ComputeArgs<'check_can_live_migrate_destination'>,
): Promise<Record<string, string | number | boolean | null>> {
  return ops.event(ctx, args.instance, 'compute_check_can_live_migrate_destination', async () => {
    if (!ops.driver.capabilities.supports_live_migration) throw new Error(`The driver of ${ops.host} cannot take live migrations.`);
    return { host: ops.host, block_migration: args.block_migration };
  });
}

/**
 * On the destination: a new attachment per volume connected here (the
 * mappings point at them), given to the driver as the block device info,
 * completed once the driver is ready; the source's attachments go back in
 * the migrate data as old_vol_attachment_ids. A failure deletes what was
 * made and points the mappings at the source's attachments again.
 */
export function preLiveMigration(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'pre_live_migration'>): Promise<LiveMigrateData> {
  const inst = args.instance;
  return ops.event(ctx, inst, 'compute_pre_live_migration', async () => {
    const volumes = await attachForLiveMigration(ops, ctx, inst.uuid);
    try {
      const data = await ops.driver.preLiveMigration(inst, args.block_migration, volumes.info);
      await completeAttachments(ops, ctx, volumes);
      return volumes.attachments.length ? { ...data, old_vol_attachment_ids: JSON.stringify(volumes.old) } : data;
    } catch (e) {
      await rollbackVolumeBdms(ops, ctx, inst.uuid, volumes.source).catch(ops.logFailure(inst.uuid, 'delete the attachments made for the live migration'));
      throw e;
    }
  });
}

export async function postAtDestination(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'post_live_migration_at_destination'>): Promise<void> {
  const { instance: inst, migration } = args;
  await ops.event(ctx, inst, 'compute_post_live_migration_at_destination', async () => {
    await ops.driver.postLiveMigrationAtDestination(inst);
    // The ports are bound here now that the guest runs here (migrate_instance_finish).
    await ops.bindPorts(ctx, inst, ops.host);
  });
  await ops.update(ctx, inst.uuid, { host: ops.host, node: migration.dest_node, task_state: null, power_state: PowerState.RUNNING }, [TaskState.MIGRATING]);
}

export async function rollbackAtDestination(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'rollback_live_migration_at_destination'>): Promise<void> {
  await ops.event(ctx, args.instance, 'compute_rollback_live_migration_at_destination', () => ops.driver.rollbackLiveMigrationAtDestination(args.instance));
}

export async function forceComplete(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'live_migration_force_complete'>): Promise<void> {
  await ops.event(ctx, args.instance, 'compute_live_migration_force_complete', () => ops.driver.liveMigrationForceComplete(args.instance));
  ops.log.info({ instance: args.instance.uuid }, 'live migration forced to complete');
}

export async function abort(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'live_migration_abort'>): Promise<void> {
  await ops.event(ctx, args.instance, 'compute_live_migration_abort', async () => {
    await ops.conductor.migration_update(ctx, { uuid: args.migration.uuid, updates: { status: 'cancelling' } });
    await ops.driver.liveMigrationAbort(args.instance);
  });
}
