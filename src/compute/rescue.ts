/**
 * Rescue and unrescue (Nova's rescue_instance, unrescue_instance): the
 * guest is powered off and booted from the rescue image with its own disk
 * attached as the second disk, RESCUING → RESCUED; unrescue boots its own
 * disk again, UNRESCUING → ACTIVE. A driver failure puts the instance in
 * ERROR with a fault (Nova's _set_instance_obj_error_state).
 */
import type { RequestContext } from '../context.ts';
import { InstanceNotRescuable } from '../exception/lifecycle.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import { dbTime } from '../util/time.ts';
import { ComputeOps, errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';

async function toError(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO, e: unknown, what: string): Promise<void> {
  ops.log.error({ instance: inst.uuid, err: errorText(e) }, `${what} failed`);
  await ops.fault(ctx, inst, e, what);
  await ops.update(ctx, inst.uuid, { vm_state: VmState.ERROR, task_state: null }).catch(ops.logFailure(inst.uuid, `put the instance whose ${what} failed in ERROR`));
}

export function rescue(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'rescue_instance'>): Promise<void> {
  const { instance: inst, rescue_image: image } = args;
  return ops.working(inst.uuid, async () => {
    try {
      await ops.event(ctx, inst, 'compute_rescue_instance', async () => {
        try {
          await ops.driver.powerOff(inst, args.clean_shutdown ? ops.conf.compute.shutdown_timeout : 0);
          await ops.driver.rescue(inst, image, args.admin_password);
        } catch (e) {
          throw InstanceNotRescuable.of(inst.uuid, `Driver Error: ${errorText(e)}`);
        }
      });
      await ops.update(ctx, inst.uuid, { vm_state: VmState.RESCUED, task_state: null, power_state: PowerState.RUNNING, launched_at: dbTime() }, [TaskState.RESCUING]);
      ops.log.info({ instance: inst.uuid, image: image.id }, 'instance rescued');
    } catch (e) {
      if (ComputeOps.changedMeanwhile(e)) return;
      await toError(ops, ctx, inst, e, 'rescue');
    }
  });
}

export function unrescue(ops: ComputeOps, ctx: RequestContext, { instance: inst }: ComputeArgs<'unrescue_instance'>): Promise<void> {
  return ops.working(inst.uuid, async () => {
    try {
      await ops.event(ctx, inst, 'compute_unrescue_instance', () => ops.driver.unrescue(inst));
      await ops.update(ctx, inst.uuid, { vm_state: VmState.ACTIVE, task_state: null, power_state: PowerState.RUNNING }, [TaskState.UNRESCUING]);
      ops.log.info({ instance: inst.uuid }, 'instance unrescued');
    } catch (e) {
      if (ComputeOps.changedMeanwhile(e)) return;
      await toError(ops, ctx, inst, e, 'unrescue');
    }
  });
}
