/**
 * Building an instance on this host (Nova's _do_build_and_run_instance):
 * take the instance from the scheduler (scheduling → spawning), spawn it,
 * record it ACTIVE. A failed spawn releases the claim and asks for a
 * reschedule. Outages are not mistaken for answers: the conductor client
 * retries while the bus or the database is down, and only an instance that
 * is really gone (InstanceNotFound) or taken away (deleted, or put in ERROR
 * elsewhere) makes the build clean up its guest. A build whose end could not
 * be recorded keeps its guest; the periodic heal records it later.
 */
import type { CinderClient } from '../clients/cinder.ts';
import type { NeutronClient } from '../clients/neutron.ts';
import type { ConductorAPI } from '../conductor/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import { InstanceNotFound, UnexpectedTaskStateError } from '../exception/instance.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import { isTransient } from '../rpc/retry.ts';
import { dbTime } from '../util/time.ts';
import type { BlockDeviceInfo, ComputeDriver } from '../virt/driver.ts';
import { prepBlockDevices, releaseForReschedule } from './block-devices.ts';
import { allocateForInstance, deallocateForInstance } from './networking.ts';
import type { ComputeArgs } from './rpc-types.ts';

export interface BuildDeps {
  readonly host: string;
  readonly driver: ComputeDriver;
  readonly conductor: ConductorAPI;
  /** The network service; absent: no ports. */
  readonly network?: NeutronClient | undefined;
  /** The volume service; absent: a build with volumes finds none. */
  readonly volume?: CinderClient | undefined;
  readonly conf: NovaConfig;
  /** This host's address (the volume connector's ip). */
  readonly address: string;
  readonly log: Logger;
}

const EVENT = 'compute__do_build_and_run_instance';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Log a follow-up step that failed without hiding what is being handled. */
function logFailure(log: Logger, uuid: string, what: string): (e: unknown) => void {
  return (e) => log.warn({ instance: uuid, err: errorText(e) }, `could not ${what}`);
}

/** Is the instance no longer this build's to finish (deleted, deleting, in ERROR, or on another host)? */
async function takenAway(d: BuildDeps, ctx: RequestContext, uuid: string, e: unknown): Promise<boolean> {
  if (e instanceof InstanceNotFound) return true;
  if (!(e instanceof UnexpectedTaskStateError)) return false;
  const now = await d.conductor.instance_get(ctx, { uuid }).catch((err: unknown) => {
    if (err instanceof InstanceNotFound) return null;
    throw err;
  });
  return now === null || now.task_state === TaskState.DELETING || now.vm_state === VmState.ERROR || now.vm_state === VmState.DELETED || now.host !== d.host;
}

/**
 * A build that cannot go on anywhere (its ports cannot be had: quota, no
 * address left, network gone): ERROR with a fault that says why, the claim
 * released, no reschedule (Nova's BuildAbortException).
 */
async function abortBuild(d: BuildDeps, ctx: RequestContext, instance: InstanceDTO, e: unknown, why = 'could not allocate the network'): Promise<void> {
  const uuid = instance.uuid;
  const reason = `Build of instance ${uuid} aborted: ${errorText(e)}`;
  d.log.warn({ instance: uuid, err: errorText(e) }, `${why}; the build is aborted`);
  try {
    await d.conductor.instance_fault_create(ctx, {
      uuid,
      code: e instanceof NovaError ? e.status : 500,
      message: reason,
      details: e instanceof Error ? (e.stack ?? '') : '',
      host: d.host,
    });
    await d.conductor.instance_update(ctx, {
      uuid,
      updates: { vm_state: VmState.ERROR, task_state: null },
      action_event: { event: EVENT, host: d.host, result: 'Error', traceback: reason },
    });
  } catch (err) {
    d.log.error({ instance: uuid, err: errorText(err) }, 'could not record the aborted build');
  }
  await d.conductor.allocations_release(ctx, { uuid }).catch(logFailure(d.log, uuid, 'release the claim of an aborted build'));
}

export async function buildAndRun(d: BuildDeps, ctx: RequestContext, args: ComputeArgs<'build_and_run_instance'>): Promise<void> {
  const { request_spec: spec } = args;
  const uuid = args.instance.uuid;
  const { log, conductor } = d;
  let instance: InstanceDTO;
  try {
    instance = await conductor.instance_update(ctx, {
      uuid,
      updates: { task_state: TaskState.SPAWNING, host: d.host, node: args.node },
      expected_task_state: [TaskState.SCHEDULING],
      action_event: { event: EVENT, host: d.host },
    });
  } catch (e) {
    if (isTransient(e)) log.error({ instance: uuid, err: errorText(e) }, 'build not started: nova-conductor stayed unavailable; the build request will be sent again');
    else log.info({ instance: uuid, err: errorText(e) }, 'build aborted: the instance was deleted or changed before it started');
    await conductor.allocations_release(ctx, { uuid }).catch(logFailure(log, uuid, 'release the claim of a build that did not start'));
    return;
  }
  const requested = spec.requested_networks ?? [];
  if (d.network && requested.some((r) => r.port_id !== null || (r.network_id !== null && r.network_id !== 'none' && r.network_id !== 'auto'))) {
    try {
      const networkInfo = await allocateForInstance(d.network, ctx, instance, requested, spec.security_groups ?? [], d.host);
      instance = await conductor.instance_update(ctx, { uuid, updates: { network_info: networkInfo } });
    } catch (e) {
      await abortBuild(d, ctx, instance, e);
      return;
    }
  }
  let blockDeviceInfo: BlockDeviceInfo | undefined;
  try {
    blockDeviceInfo = await prepBlockDevices(d, ctx, instance);
  } catch (e) {
    await abortBuild(d, ctx, instance, e, 'could not prepare the block devices');
    return;
  }
  try {
    await d.driver.spawn(instance, { image: spec.image, adminPassword: args.admin_password, ...(blockDeviceInfo ? { blockDeviceInfo } : {}) });
  } catch (e) {
    const reason = errorText(e);
    log.warn({ instance: uuid, err: reason }, 'spawn failed; releasing the claim and asking for a reschedule');
    await d.driver.destroy(instance).catch(logFailure(log, uuid, 'destroy what the failed spawn left on the hypervisor'));
    // The next host makes its own ports (Nova's _cleanup_allocated_networks before a reschedule).
    if (d.network && instance.network_info.length) await deallocateForInstance(d.network, ctx, instance).catch(logFailure(log, uuid, 'delete the ports of the failed build'));
    if (blockDeviceInfo) await releaseForReschedule(d, ctx, instance).catch(logFailure(log, uuid, 'give the volumes of the failed build back'));
    try {
      await conductor.instance_fault_create(ctx, { uuid, code: 500, message: reason, details: e instanceof Error ? (e.stack ?? '') : '', host: d.host });
      await conductor.allocations_release(ctx, { uuid });
      await conductor.action_event_finish(ctx, { uuid, event: EVENT, result: 'Error', traceback: reason });
      await conductor.reschedule_instance(ctx, { instance, request_spec: spec, admin_password: args.admin_password, reason });
    } catch (err) {
      log.error({ instance: uuid, err: errorText(err) }, 'could not hand the failed build back for a reschedule; the periodic heal ends it');
    }
    return;
  }
  try {
    await conductor.instance_update(ctx, {
      uuid,
      updates: { vm_state: VmState.ACTIVE, task_state: null, power_state: PowerState.RUNNING, launched_at: dbTime() },
      expected_task_state: [TaskState.SPAWNING],
      action_event: { event: EVENT, host: d.host, result: 'Success', traceback: null },
    });
  } catch (e) {
    const gone = await takenAway(d, ctx, uuid, e).catch((err: unknown) => {
      log.warn({ instance: uuid, err: errorText(err) }, 'could not tell whether the instance is gone; keeping its guest');
      return false;
    });
    if (gone) {
      log.info({ instance: uuid, err: errorText(e) }, 'instance deleted or taken away while it was spawning; cleaning up');
      await d.driver.destroy(instance).catch(logFailure(log, uuid, 'destroy the guest of an instance deleted while it was spawning'));
      await conductor.allocations_release(ctx, { uuid }).catch(logFailure(log, uuid, 'release the claim of an instance deleted while it was spawning'));
      return;
    }
    log.error({ instance: uuid, err: errorText(e) }, 'could not record the finished build; the guest keeps running and the periodic heal records it');
    return;
  }
  log.info({ instance: uuid }, 'instance spawned');
}
