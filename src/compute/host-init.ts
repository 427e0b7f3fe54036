/**
 * What nova-compute settles for its instances when it starts (Nova's
 * _init_instance), what ends a build that cannot go on, and deletes.
 */

import type { RequestContext } from '../context.ts';
import { InstanceNotFound } from '../exception/instance.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import { dbTime } from '../util/time.ts';
import { deallocateForInstance } from './networking.ts';
import { type ComputeOps, errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';
import { cleanupVolumes } from './volumes.ts';

/** Finish deletes, resume or reschedule interrupted builds, clear stale task states. */
export async function initInstance(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO): Promise<void> {
  try {
    if (inst.task_state === TaskState.DELETING) {
      await ops.driver.destroy(inst);
      await ops.conductor.instance_destroy(ctx, { uuid: inst.uuid });
    } else if (inst.vm_state === VmState.BUILDING) {
      await resumeOrRescheduleBuild(ops, ctx, inst, 'Instance build was interrupted by a restart of nova-compute.');
    } else if (inst.task_state !== null) {
      const info = await ops.driver.getInfo(inst).catch((e: unknown) => {
        if (!(e instanceof InstanceNotFound)) ops.logFailure(inst.uuid, 'read the power state of an instance with an interrupted task')(e);
        return { state: PowerState.NOSTATE as number };
      });
      await ops.conductor.instance_update(ctx, { uuid: inst.uuid, updates: { task_state: null, power_state: info.state } });
    }
  } catch (e) {
    ops.log.warn({ instance: inst.uuid, err: errorText(e) }, 'could not initialise instance');
  }
}

/**
 * A build that cannot go on here (interrupted by a restart, or timed out):
 * when its guest runs, it is recorded ACTIVE; otherwise its remains go,
 * the claim is released and nova-conductor schedules it again (ERROR once
 * [scheduler] max_attempts hosts were tried), as a failed spawn would be.
 */
export async function resumeOrRescheduleBuild(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO, reason: string): Promise<void> {
  const running = await ops.driver.getInfo(inst).then(
    (i) => i.state === PowerState.RUNNING,
    (e: unknown) => {
      if (!(e instanceof InstanceNotFound)) ops.logFailure(inst.uuid, 'read the power state of an interrupted build')(e);
      return false;
    },
  );
  if (running && inst.task_state === TaskState.SPAWNING) {
    await ops.conductor.instance_update(ctx, {
      uuid: inst.uuid,
      updates: { vm_state: VmState.ACTIVE, task_state: null, power_state: PowerState.RUNNING, launched_at: dbTime() },
      expected_task_state: [TaskState.SPAWNING],
    });
    ops.log.warn({ instance: inst.uuid }, 'build had finished without being recorded: recorded ACTIVE now');
    return;
  }
  await ops.driver.destroy(inst).catch(ops.logFailure(inst.uuid, 'destroy the remains of an interrupted build'));
  await ops.conductor.instance_fault_create(ctx, { uuid: inst.uuid, code: 500, message: reason, details: '', host: ops.host });
  await ops.conductor.allocations_release(ctx, { uuid: inst.uuid });
  await ops.conductor.reschedule_instance(ctx, { instance: inst, admin_password: null, reason });
  ops.log.warn({ instance: inst.uuid, reason }, 'build handed back to nova-conductor for a reschedule');
}

export async function terminate(ops: ComputeOps, ctx: RequestContext, { instance }: ComputeArgs<'terminate_instance'>): Promise<void> {
  await ops
    .event(ctx, instance, 'compute_terminate_instance', async () => {
      await ops.driver.destroy(instance);
      if (ops.network) await deallocateForInstance(ops.network, ctx, instance);
      await cleanupVolumes(ops, ctx, instance.uuid);
      await ops.conductor.instance_destroy(ctx, { uuid: instance.uuid });
    })
    .catch(async (e: unknown) => {
      if (e instanceof InstanceNotFound) {
        ops.log.info({ instance: instance.uuid, err: e.message }, 'terminate: the instance was already deleted');
        return;
      }
      ops.log.error({ instance: instance.uuid, err: errorText(e) }, 'terminate failed');
      await ops.fault(ctx, instance, e, 'terminate');
      await ops.update(ctx, instance.uuid, { vm_state: VmState.ERROR, task_state: null }).catch(ops.logFailure(instance.uuid, 'put the instance whose terminate failed in ERROR'));
    });
}
