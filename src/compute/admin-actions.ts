/**
 * The smaller server actions of nova-compute: changePassword
 * (set_admin_password, a call whose failure is the API's answer),
 * trigger_crash_dump (an NMI), the deferred delete (soft_delete_instance,
 * restore_instance and the periodic reclaim of soft-deleted instances,
 * Nova's _reclaim_queued_deletes) and inject_network_info.
 */
import type { RequestContext } from '../context.ts';
import { NotImplementedYet } from '../exception/base.ts';
import { InstanceNotFound } from '../exception/instance.ts';
import { InstancePasswordSetFailed } from '../exception/lifecycle.ts';
import { DriverNotSupported } from '../exception/virt.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import { parseDbTime } from '../util/time.ts';
import { terminate } from './host-init.ts';
import type { ComputeOps } from './ops.ts';
import { errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';

/** What the API answers 501 with ("Unable to set password on instance"): the driver or guest has no way to do it. */
export const SET_PASSWORD_NOT_IMPLEMENTED = 'set_admin_password is not implemented by this driver or guest instance.';

/**
 * Nova's set_admin_password: only a running guest; the task state goes
 * back to none whatever happens. A driver that cannot is NotImplementedYet
 * (501), any other failure InstancePasswordSetFailed (409) without the
 * driver's words (they might reveal the password).
 */
export function setAdminPassword(ops: ComputeOps, ctx: RequestContext, { instance: inst, password }: ComputeArgs<'set_admin_password'>): Promise<void> {
  const done = () => ops.update(ctx, inst.uuid, { task_state: null }, [TaskState.UPDATING_PASSWORD]);
  return ops.working(inst.uuid, () =>
    ops.event(ctx, inst, 'compute_set_admin_password', async () => {
      const state = await ops.driver.getInfo(inst).then(
        (i) => i.state,
        () => PowerState.NOSTATE,
      );
      if (state !== PowerState.RUNNING) {
        await done();
        throw InstancePasswordSetFailed.of(inst.uuid, `instance ${inst.uuid} is not running`);
      }
      try {
        await ops.driver.setAdminPassword(inst, password);
      } catch (e) {
        await done().catch(ops.logFailure(inst.uuid, 'clear the task state after the failed password change'));
        if (e instanceof DriverNotSupported) throw new NotImplementedYet(SET_PASSWORD_NOT_IMPLEMENTED);
        ops.log.error({ instance: inst.uuid, err: errorText(e) }, 'set_admin_password failed');
        throw InstancePasswordSetFailed.of(inst.uuid, 'error setting admin password');
      }
      await done();
      ops.log.info({ instance: inst.uuid }, 'admin password set');
    }),
  );
}

/** Nova's trigger_crash_dump: an NMI; neither task nor power state changes. A failure is a fault. */
export async function triggerCrashDump(ops: ComputeOps, ctx: RequestContext, { instance: inst }: ComputeArgs<'trigger_crash_dump'>): Promise<void> {
  try {
    await ops.event(ctx, inst, 'compute_trigger_crash_dump', () => ops.driver.injectNmi(inst));
    ops.log.info({ instance: inst.uuid }, 'NMI injected');
  } catch (e) {
    ops.log.error({ instance: inst.uuid, err: errorText(e) }, 'trigger_crash_dump failed');
    await ops.fault(ctx, inst, e, 'trigger_crash_dump');
  }
}

/** A deferred delete: the guest is powered off (not cleanly) and kept; SOFT_DELETED until restored or reclaimed. */
export function softDelete(ops: ComputeOps, ctx: RequestContext, { instance: inst }: ComputeArgs<'soft_delete_instance'>): Promise<void> {
  return ops.act(ctx, inst, 'compute_soft_delete_instance', TaskState.SOFT_DELETING, () => ops.driver.powerOff(inst, 0), {
    vm_state: VmState.SOFT_DELETED,
    power_state: PowerState.SHUTDOWN,
  });
}

/** Back from a deferred delete: the guest is powered on, ACTIVE. */
export function restore(ops: ComputeOps, ctx: RequestContext, { instance: inst }: ComputeArgs<'restore_instance'>): Promise<void> {
  return ops.act(ctx, inst, 'compute_restore_instance', TaskState.RESTORING, () => ops.driver.powerOn(inst), {
    vm_state: VmState.ACTIVE,
    power_state: PowerState.RUNNING,
  });
}

/**
 * inject_network_info: nova-ts has no network service whose information a
 * driver could write into the guest, so there is nothing to inject (as
 * Nova's fake driver); the instance must be here.
 */
export async function injectNetworkInfo(ops: ComputeOps, ctx: RequestContext, { instance: inst }: ComputeArgs<'inject_network_info'>): Promise<void> {
  try {
    await ops.driver.getInfo(inst);
    ops.log.info({ instance: inst.uuid }, 'inject_network_info: no network information to inject');
  } catch (e) {
    if (e instanceof InstanceNotFound) await ops.fault(ctx, inst, e, 'inject_network_info');
    else throw e;
  }
}

/**
 * Nova's _reclaim_queued_deletes: instances of this host soft-deleted (with
 * no task) longer ago than `[DEFAULT] reclaim_instance_interval` are
 * deleted for good.
 */
export async function reclaimQueuedDeletes(ops: ComputeOps, ctx: RequestContext, instances: readonly InstanceDTO[], now = Date.now()): Promise<void> {
  const interval = ops.conf.DEFAULT.reclaim_instance_interval;
  if (interval <= 0) return;
  for (const inst of instances) {
    if (inst.vm_state !== VmState.SOFT_DELETED || inst.task_state !== null || ops.busy.has(inst.uuid)) continue;
    const since = inst.deleted_at ?? inst.updated_at;
    if (!since || now - parseDbTime(since).getTime() < interval * 1000) continue;
    ops.log.info({ instance: inst.uuid, reclaim_instance_interval: interval }, 'reclaiming deleted instance');
    try {
      const i = await ops.update(ctx, inst.uuid, { task_state: TaskState.DELETING }, [null]);
      await ops.working(inst.uuid, () => terminate(ops, ctx, { instance: i }));
    } catch (e) {
      ops.log.warn({ instance: inst.uuid, err: errorText(e) }, 'periodic reclaim failed to delete instance');
    }
  }
}
