/** The power actions of nova-compute (start, stop, reboot, pause, suspend and back), each one driver call with its outcome. */
import type { RequestContext } from '../context.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import type { ComputeOps } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';

export function start(ops: ComputeOps, ctx: RequestContext, { instance: i }: ComputeArgs<'start_instance'>): Promise<void> {
  return ops.act(ctx, i, 'compute_start_instance', TaskState.POWERING_ON, () => ops.driver.powerOn(i), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING });
}

export function stop(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'stop_instance'>): Promise<void> {
  const i = args.instance;
  const timeout = args.clean_shutdown ? ops.conf.compute.shutdown_timeout : 0;
  return ops.act(ctx, i, 'compute_stop_instance', TaskState.POWERING_OFF, () => ops.driver.powerOff(i, timeout), { vm_state: VmState.STOPPED, power_state: PowerState.SHUTDOWN });
}

export function reboot(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'reboot_instance'>): Promise<void> {
  const i = args.instance;
  const expected = args.reboot_type === 'HARD' ? TaskState.REBOOTING_HARD : TaskState.REBOOTING;
  return ops.act(ctx, i, 'compute_reboot_instance', expected, () => ops.driver.reboot(i, args.reboot_type), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING });
}

export function pause(ops: ComputeOps, ctx: RequestContext, { instance: i }: ComputeArgs<'pause_instance'>): Promise<void> {
  return ops.act(ctx, i, 'compute_pause_instance', TaskState.PAUSING, () => ops.driver.pause(i), { vm_state: VmState.PAUSED, power_state: PowerState.PAUSED });
}

export function unpause(ops: ComputeOps, ctx: RequestContext, { instance: i }: ComputeArgs<'unpause_instance'>): Promise<void> {
  return ops.act(ctx, i, 'compute_unpause_instance', TaskState.UNPAUSING, () => ops.driver.unpause(i), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING });
}

export function suspend(ops: ComputeOps, ctx: RequestContext, { instance: i }: ComputeArgs<'suspend_instance'>): Promise<void> {
  return ops.act(ctx, i, 'compute_suspend_instance', TaskState.SUSPENDING, () => ops.driver.suspend(i), { vm_state: VmState.SUSPENDED, power_state: PowerState.SUSPENDED });
}

export function resume(ops: ComputeOps, ctx: RequestContext, { instance: i }: ComputeArgs<'resume_instance'>): Promise<void> {
  return ops.act(ctx, i, 'compute_resume_instance', TaskState.RESUMING, () => ops.driver.resume(i), { vm_state: VmState.ACTIVE, power_state: PowerState.RUNNING });
}
