/**
 * Shelving, as Nova's compute manager does it:
 *
 * - shelve_instance: power the guest off, snapshot it into the image
 *   nova-api created ("<name>-shelved"), SHELVED with system_metadata
 *   shelved_at / shelved_image_id / shelved_host; then offload at once when
 *   this host's `[DEFAULT] shelved_offload_time` is 0.
 * - shelve_offload_instance: destroy the guest, let its volumes go (each
 *   attachment replaced by one without a connector: the volumes stay
 *   reserved for the instance), release the claim, SHELVED_OFFLOADED with
 *   no host or node.
 * - unshelve_instance: a SHELVED guest is powered on where it is; an
 *   offloaded one is spawned from its shelved image on the host the
 *   scheduler chose (which holds the claim) with its volumes connected
 *   there, and the image is deleted.
 * - the periodic _poll_shelved_instances offloads guests shelved for longer
 *   than `shelved_offload_time` (> 0).
 */
import type { RequestContext } from '../context.ts';
import { InstanceNotFound } from '../exception/instance.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { PowerState, TaskState, VmState } from '../objects/states.ts';
import { dbTime } from '../util/time.ts';
import { prepBlockDevices } from './block-devices.ts';
import { terminateConnections } from './move-volumes.ts';
import { ComputeOps, errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';
import { dropImage, SHELVE_SNAPSHOT, uploadSnapshot } from './snapshot.ts';

/** The system_metadata keys a shelve leaves (Nova's remove_shelved_keys_from_system_metadata removes them). */
const SHELVED_KEYS = ['shelved_at', 'shelved_image_id', 'shelved_host'];

/** shelved_at as Nova writes it (datetime.isoformat() of a naive UTC time). */
function isoNow(): string {
  return `${new Date().toISOString().slice(0, 23)}000`;
}

function withoutShelvedKeys(meta: Readonly<Record<string, string>>): Record<string, string> {
  const out = { ...meta };
  for (const k of SHELVED_KEYS) delete out[k];
  return out;
}

/** The power states in which a guest still runs (and gets powered back on when a shelve fails). */
function running(inst: InstanceDTO): boolean {
  return inst.power_state === PowerState.RUNNING;
}

/** Record a failure: a fault, the event's error is already recorded; the task state goes back to none (Nova's reverts_task_state). */
async function failed(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO, e: unknown, what: string, updates: Parameters<ComputeOps['update']>[2] = {}): Promise<void> {
  if (e instanceof InstanceNotFound) {
    ops.log.info({ instance: inst.uuid, err: errorText(e) }, `instance deleted during ${what}`);
    return;
  }
  ops.log.error({ instance: inst.uuid, err: errorText(e) }, `${what} failed`);
  await ops.fault(ctx, inst, e, what);
  await ops.update(ctx, inst.uuid, { ...updates, task_state: null }).catch(ops.logFailure(inst.uuid, `clear the task state after the failed ${what}`));
}

export function shelve(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'shelve_instance'>): Promise<void> {
  const { instance: inst, image_id: imageId } = args;
  const offload = ops.conf.DEFAULT.shelved_offload_time === 0;
  return ops.working(inst.uuid, async () => {
    let shelved: InstanceDTO;
    try {
      shelved = await ops.event(ctx, inst, 'compute_shelve_instance', async () => {
        // A paused guest is not asked to shut down cleanly (some hypervisors fail that).
        const clean = args.clean_shutdown && inst.power_state !== PowerState.PAUSED;
        await ops.driver.powerOff(inst, clean ? ops.conf.compute.shutdown_timeout : 0);
        await uploadSnapshot(ops, ctx, inst, imageId, SHELVE_SNAPSHOT);
        return ops.update(
          ctx,
          inst.uuid,
          {
            vm_state: VmState.SHELVED,
            task_state: offload ? TaskState.SHELVING_OFFLOADING : null,
            power_state: PowerState.SHUTDOWN,
            system_metadata: { ...inst.system_metadata, shelved_at: isoNow(), shelved_image_id: imageId, shelved_host: ops.host },
          },
          [TaskState.SHELVING, TaskState.SHELVING_IMAGE_UPLOADING],
        );
      });
    } catch (e) {
      await dropImage(ops, ctx, inst, imageId);
      if (ComputeOps.changedMeanwhile(e)) {
        ops.log.info({ instance: inst.uuid, err: errorText(e) }, 'instance changed during shelve');
        return;
      }
      // The guest goes back to how it was: the instance keeps its vm_state.
      if (running(inst)) await ops.driver.powerOn(inst).catch(ops.logFailure(inst.uuid, 'power the guest back on after the failed shelve'));
      await failed(ops, ctx, inst, e, 'shelve');
      return;
    }
    ops.log.info({ instance: inst.uuid, image: imageId, offload }, 'instance shelved');
    if (offload) await offloadHere(ops, ctx, shelved, false);
  });
}

export function shelveOffload(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'shelve_offload_instance'>): Promise<void> {
  return ops.working(args.instance.uuid, () => offloadHere(ops, ctx, args.instance, args.clean_shutdown));
}

/** Nova's _shelve_offload_instance: the guest goes, so does the claim; the instance keeps no host. */
async function offloadHere(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO, cleanShutdown: boolean): Promise<void> {
  try {
    await ops.event(ctx, inst, 'compute_shelve_offload_instance', async () => {
      await ops.driver.powerOff(inst, cleanShutdown ? ops.conf.compute.shutdown_timeout : 0).catch((e: unknown) => {
        if (!(e instanceof InstanceNotFound)) throw e;
      });
      await ops.driver.destroy(inst);
      // No host has the volumes now; they stay the instance's (Nova's _terminate_volume_connections).
      await terminateConnections(ops, ctx, inst.uuid);
      // The ports keep the instance but no host (cleanup_instance_network_on_host).
      await ops.bindPorts(ctx, inst, '');
      // Released before the state changes, so that a client polling for SHELVED_OFFLOADED finds the room free (as Nova).
      await ops.conductor.allocations_release(ctx, { uuid: inst.uuid });
      await ops.update(ctx, inst.uuid, { vm_state: VmState.SHELVED_OFFLOADED, task_state: null, power_state: PowerState.SHUTDOWN, host: null, node: null }, [
        TaskState.SHELVING,
        TaskState.SHELVING_OFFLOADING,
      ]);
    });
    ops.log.info({ instance: inst.uuid }, 'shelved instance offloaded');
  } catch (e) {
    if (ComputeOps.changedMeanwhile(e)) {
      ops.log.info({ instance: inst.uuid, err: errorText(e) }, 'instance changed during shelve offload');
      return;
    }
    await failed(ops, ctx, inst, e, 'shelve offload');
  }
}

export function unshelve(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'unshelve_instance'>): Promise<void> {
  const inst = args.instance;
  return ops.working(inst.uuid, () => (inst.vm_state === VmState.SHELVED ? powerOnShelved(ops, ctx, inst) : spawnOffloaded(ops, ctx, args)));
}

/** The shelved image is no longer needed once the instance runs again (Nova's _delete_snapshot_of_shelved_instance). */
async function deleteShelvedImage(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO): Promise<void> {
  const imageId = inst.system_metadata.shelved_image_id;
  if (!imageId) return;
  await ops.images?.delete(ctx, imageId).catch(ops.logFailure(inst.uuid, `delete the shelved image ${imageId}`));
}

/** Unshelve of a guest that was not offloaded: power it on here (Nova's start_instance, sent by nova-conductor). */
async function powerOnShelved(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO): Promise<void> {
  try {
    await ops.event(ctx, inst, 'compute_start_instance', () => ops.driver.powerOn(inst));
    await ops.update(ctx, inst.uuid, { vm_state: VmState.ACTIVE, task_state: null, power_state: PowerState.RUNNING, system_metadata: withoutShelvedKeys(inst.system_metadata) }, [
      TaskState.POWERING_ON,
    ]);
  } catch (e) {
    if (ComputeOps.changedMeanwhile(e)) return;
    await failed(ops, ctx, inst, e, 'unshelve');
    return;
  }
  await deleteShelvedImage(ops, ctx, inst);
  ops.log.info({ instance: inst.uuid }, 'shelved instance powered on');
}

/** Unshelve of an offloaded instance on the host the scheduler chose and claimed (Nova's _unshelve_instance). */
async function spawnOffloaded(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'unshelve_instance'>): Promise<void> {
  const given = args.instance;
  const image = args.image ?? { id: given.system_metadata.shelved_image_id ?? given.image_ref, properties: {} };
  let inst = given;
  try {
    inst = await ops.update(ctx, given.uuid, { task_state: TaskState.SPAWNING, host: ops.host, node: args.node ?? given.node ?? ops.host }, [TaskState.UNSHELVING]);
    // The ports are bound here before the guest is spawned (setup_instance_network_on_host).
    inst = await ops.bindPorts(ctx, inst, ops.host);
    const spawned = inst;
    await ops.event(ctx, spawned, 'compute_unshelve_instance', async () => {
      const blockDeviceInfo = await prepBlockDevices(ops, ctx, spawned);
      await ops.driver.spawn(spawned, { image, adminPassword: null, ...(blockDeviceInfo ? { blockDeviceInfo } : {}) });
    });
    await ops.update(
      ctx,
      inst.uuid,
      {
        vm_state: VmState.ACTIVE,
        task_state: null,
        power_state: PowerState.RUNNING,
        launched_at: dbTime(),
        system_metadata: withoutShelvedKeys(inst.system_metadata),
      },
      [TaskState.SPAWNING],
    );
  } catch (e) {
    if (e instanceof InstanceNotFound) return;
    await ops.driver.destroy(inst).catch(ops.logFailure(inst.uuid, 'destroy the half-spawned guest of a failed unshelve'));
    await ops.bindPorts(ctx, inst, '').catch(ops.logFailure(inst.uuid, 'unbind the ports of a failed unshelve'));
    await terminateConnections(ops, ctx, inst.uuid).catch(ops.logFailure(inst.uuid, 'let the volumes of a failed unshelve go'));
    // The claim the scheduler took here goes; the instance stays offloaded, with no host.
    await ops.conductor.allocations_release(ctx, { uuid: inst.uuid }).catch(ops.logFailure(inst.uuid, 'release the claim of a failed unshelve'));
    await failed(ops, ctx, inst, e, 'unshelve', { host: null, node: null, vm_state: VmState.SHELVED_OFFLOADED });
    return;
  }
  await deleteShelvedImage(ops, ctx, inst);
  ops.log.info({ instance: inst.uuid, image: image.id }, 'instance unshelved here');
}

/**
 * Nova's _poll_shelved_instances: offload the instances shelved on this
 * host (with no task) for longer than `[DEFAULT] shelved_offload_time`.
 */
export async function pollShelved(ops: ComputeOps, ctx: RequestContext, instances: readonly InstanceDTO[], now = Date.now()): Promise<void> {
  const after = ops.conf.DEFAULT.shelved_offload_time;
  if (after <= 0) return;
  for (const inst of instances) {
    if (inst.vm_state !== VmState.SHELVED || inst.task_state !== null || ops.busy.has(inst.uuid)) continue;
    const at = Date.parse(`${inst.system_metadata.shelved_at ?? ''}Z`);
    if (!Number.isFinite(at) || now - at < after * 1000) continue;
    try {
      const i = await ops.update(ctx, inst.uuid, { task_state: TaskState.SHELVING_OFFLOADING }, [null]);
      ops.log.info({ instance: inst.uuid, shelved_offload_time: after }, 'offloading an instance shelved for longer than shelved_offload_time');
      await ops.working(inst.uuid, () => offloadHere(ops, ctx, i, false));
    } catch (e) {
      ops.log.warn({ instance: inst.uuid, err: errorText(e) }, 'periodic task failed to offload instance');
    }
  }
}
