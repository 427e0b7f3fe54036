import { adminContext, type RequestContext } from '../context.ts';
import type { BlockDeviceMappingDTO } from '../objects/block-device.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { VifInfo } from '../objects/network-info.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { methodsOf } from '../rpc/server.ts';
import type { Manager, PeriodicTask } from '../service/manager.ts';
import { Semaphore } from '../util/semaphore.ts';
import type { ConsoleEndpoint, LiveMigrateData } from '../virt/driver.ts';
import * as admin from './admin-actions.ts';
import { buildAndRun } from './build.ts';
import { ComputeHealer } from './healer.ts';
import { initInstance, resumeOrRescheduleBuild, terminate } from './host-init.ts';
import * as interfaces from './interfaces.ts';
import * as live from './live-migration.ts';
import { type ComputeDeps, ComputeOps } from './ops.ts';
import * as power from './power.ts';
import { syncPowerStates } from './power-sync.ts';
import { destroyEvacuated, rebuild } from './rebuild.ts';
import * as rescuing from './rescue.ts';
import * as resize from './resize.ts';
import { ResourceTracker } from './resource-tracker.ts';
import { COMPUTE_METHODS, COMPUTE_RPC_VERSION, type ComputeAPI, type ComputeArgs } from './rpc-types.ts';
import * as shelving from './shelve.ts';
import { snapshotInstance } from './snapshot.ts';
import * as volumes from './volumes.ts';

export type { ComputeDeps } from './ops.ts';

/**
 * nova-compute: runs instances on this host through its driver. It has no
 * database; every state change goes to nova-conductor. Each method hands
 * its work to the module that does it (build, power, resize, live
 * migration, rebuild, shelve, snapshot, rescue…), all sharing ComputeOps.
 */
export class ComputeManager implements Manager, ComputeAPI {
  readonly endpoints;
  readonly ops: ComputeOps;
  private readonly builds: Semaphore;
  /** Instances a build_and_run_instance is queued or running for in this process. */
  private readonly building = new Set<string>();
  private readonly tracker: ResourceTracker;
  private readonly healer: ComputeHealer;

  constructor(private readonly deps: ComputeDeps) {
    this.ops = new ComputeOps(deps);
    this.builds = new Semaphore(deps.conf.DEFAULT.max_concurrent_builds);
    this.tracker = new ResourceTracker(deps.conf, deps.host, deps.driver, deps.conductor, deps.log);
    this.healer = new ComputeHealer({ ...deps, busy: this.ops.busy, builds: { resumeOrRescheduleBuild: (ctx, inst, why) => resumeOrRescheduleBuild(this.ops, ctx, inst, why) } });
    this.endpoints = [{ version: COMPUTE_RPC_VERSION, methods: methodsOf<ComputeAPI>(this, COMPUTE_METHODS) }];
  }

  /** Registered: adopt what runs here, settle interrupted work, report resources. */
  async preStartHook(_service: ServiceDTO): Promise<void> {
    const ctx = adminContext();
    const instances = await this.ops.conductor.instances_on_host(ctx, { host: this.ops.host });
    await this.ops.driver.initHost(this.ops.host, instances);
    await destroyEvacuated(this.ops, ctx);
    for (const inst of instances) await initInstance(this.ops, ctx, inst);
    await this.tracker.update();
    this.ops.log.info({ host: this.ops.host, instances: instances.length }, 'compute host initialised');
  }

  periodicTasks(): PeriodicTask[] {
    const d = this.deps.conf.DEFAULT;
    const tasks: PeriodicTask[] = [
      { name: 'update_available_resource', intervalSec: d.update_resources_interval || d.periodic_interval, run: async () => void (await this.tracker.update()) },
      { name: '_heal_instances', intervalSec: d.periodic_interval, run: () => this.heal() },
    ];
    if (d.shelved_offload_time > 0 && d.shelved_poll_interval > 0) {
      tasks.push({ name: '_poll_shelved_instances', intervalSec: d.shelved_poll_interval, run: () => this.onInstances((ctx, all) => shelving.pollShelved(this.ops, ctx, all)) });
    }
    if (d.reclaim_instance_interval > 0) {
      const every = Math.min(d.periodic_interval, d.reclaim_instance_interval);
      tasks.push({ name: '_reclaim_queued_deletes', intervalSec: every, run: () => this.onInstances((ctx, all) => admin.reclaimQueuedDeletes(this.ops, ctx, all)) });
    }
    if (d.sync_power_state_interval > 0) {
      tasks.push({
        name: '_sync_power_states',
        intervalSec: d.sync_power_state_interval,
        run: async () => void (await syncPowerStates(this.ops.host, this.ops.driver, this.ops.conductor, this.ops.log)),
      });
    }
    return tasks;
  }

  /** The periodic heal, then the timed lifecycle work (unconfirmed resizes). */
  private async heal(): Promise<void> {
    await this.healer.heal();
    const ctx = adminContext();
    const instances: InstanceDTO[] = await this.ops.conductor.instances_on_host(ctx, { host: this.ops.host });
    await resize.confirmExpiredResizes(this.ops, instances);
  }

  /** Run a periodic task over this host's instances. */
  private async onInstances(fn: (ctx: RequestContext, instances: InstanceDTO[]) => Promise<void>): Promise<void> {
    const ctx = adminContext();
    await fn(ctx, await this.ops.conductor.instances_on_host(ctx, { host: this.ops.host }));
  }

  async cleanup(): Promise<void> {
    await this.ops.driver.cleanupHost?.();
  }

  async build_and_run_instance(ctx: RequestContext, args: ComputeArgs<'build_and_run_instance'>): Promise<void> {
    const uuid = args.instance.uuid;
    // The same build delivered again while the first runs (a broker restart redelivers what was not acknowledged): the second would
    // pass the start guard (the same write already applied), fail to spawn a guest that runs and destroy it. One build at a time.
    if (this.building.has(uuid)) {
      this.ops.log.warn({ instance: uuid }, 'build request delivered again while this instance is being built; ignored');
      return;
    }
    this.building.add(uuid);
    try {
      await this.builds.run(() => this.ops.working(uuid, () => buildAndRun(this.ops, ctx, args)));
    } finally {
      this.building.delete(uuid);
    }
  }
  terminate_instance(ctx: RequestContext, args: ComputeArgs<'terminate_instance'>): Promise<void> {
    return this.ops.working(args.instance.uuid, () => terminate(this.ops, ctx, args));
  }
  start_instance(ctx: RequestContext, args: ComputeArgs<'start_instance'>): Promise<void> {
    return power.start(this.ops, ctx, args);
  }
  stop_instance(ctx: RequestContext, args: ComputeArgs<'stop_instance'>): Promise<void> {
    return power.stop(this.ops, ctx, args);
  }
  reboot_instance(ctx: RequestContext, args: ComputeArgs<'reboot_instance'>): Promise<void> {
    return power.reboot(this.ops, ctx, args);
  }
  pause_instance(ctx: RequestContext, args: ComputeArgs<'pause_instance'>): Promise<void> {
    return power.pause(this.ops, ctx, args);
  }
  unpause_instance(ctx: RequestContext, args: ComputeArgs<'unpause_instance'>): Promise<void> {
    return power.unpause(this.ops, ctx, args);
  }
  suspend_instance(ctx: RequestContext, args: ComputeArgs<'suspend_instance'>): Promise<void> {
    return power.suspend(this.ops, ctx, args);
  }
  resume_instance(ctx: RequestContext, args: ComputeArgs<'resume_instance'>): Promise<void> {
    return power.resume(this.ops, ctx, args);
  }
  get_console_output(_ctx: RequestContext, args: ComputeArgs<'get_console_output'>): Promise<string> {
    return this.ops.driver.getConsoleOutput(args.instance, args.tail_length ?? undefined);
  }
  get_console_endpoint(_ctx: RequestContext, args: ComputeArgs<'get_console_endpoint'>): Promise<ConsoleEndpoint> {
    if (args.console_type === 'serial') return this.ops.driver.getSerialConsole(args.instance);
    if (args.console_type === 'spice-html5') return this.ops.driver.getSpiceConsole(args.instance);
    return this.ops.driver.getVncConsole(args.instance);
  }

  prep_resize(ctx: RequestContext, args: ComputeArgs<'prep_resize'>): Promise<void> {
    return this.ops.working(args.instance.uuid, () => resize.prepResize(this.ops, ctx, args));
  }
  resize_instance(ctx: RequestContext, args: ComputeArgs<'resize_instance'>): Promise<void> {
    return this.ops.working(args.instance.uuid, () => resize.resizeInstance(this.ops, ctx, args));
  }
  finish_resize(ctx: RequestContext, args: ComputeArgs<'finish_resize'>): Promise<void> {
    return this.ops.working(args.instance.uuid, () => resize.finishResize(this.ops, ctx, args));
  }
  confirm_resize(ctx: RequestContext, args: ComputeArgs<'confirm_resize'>): Promise<void> {
    return this.ops.working(args.instance.uuid, () => resize.confirmResize(this.ops, ctx, args));
  }
  revert_resize(ctx: RequestContext, args: ComputeArgs<'revert_resize'>): Promise<void> {
    return this.ops.working(args.instance.uuid, () => resize.revertResize(this.ops, ctx, args));
  }
  finish_revert_resize(ctx: RequestContext, args: ComputeArgs<'finish_revert_resize'>): Promise<void> {
    return this.ops.working(args.instance.uuid, () => resize.finishRevertResize(this.ops, ctx, args));
  }

  check_can_live_migrate_destination(ctx: RequestContext, args: ComputeArgs<'check_can_live_migrate_destination'>): Promise<LiveMigrateData> {
    return live.checkDestination(this.ops, ctx, args);
  }
  pre_live_migration(ctx: RequestContext, args: ComputeArgs<'pre_live_migration'>): Promise<LiveMigrateData> {
    return live.preLiveMigration(this.ops, ctx, args);
  }
  live_migration(ctx: RequestContext, args: ComputeArgs<'live_migration'>): Promise<void> {
    return this.ops.working(args.instance.uuid, () => live.liveMigration(this.ops, ctx, args));
  }
  post_live_migration_at_destination(ctx: RequestContext, args: ComputeArgs<'post_live_migration_at_destination'>): Promise<void> {
    return live.postAtDestination(this.ops, ctx, args);
  }
  rollback_live_migration_at_destination(ctx: RequestContext, args: ComputeArgs<'rollback_live_migration_at_destination'>): Promise<void> {
    return live.rollbackAtDestination(this.ops, ctx, args);
  }
  live_migration_force_complete(ctx: RequestContext, args: ComputeArgs<'live_migration_force_complete'>): Promise<void> {
    return live.forceComplete(this.ops, ctx, args);
  }
  live_migration_abort(ctx: RequestContext, args: ComputeArgs<'live_migration_abort'>): Promise<void> {
    return live.abort(this.ops, ctx, args);
  }
  rebuild_instance(ctx: RequestContext, args: ComputeArgs<'rebuild_instance'>): Promise<void> {
    return this.ops.working(args.instance.uuid, () => rebuild(this.ops, ctx, args));
  }
  shelve_instance(ctx: RequestContext, args: ComputeArgs<'shelve_instance'>): Promise<void> {
    return shelving.shelve(this.ops, ctx, args);
  }
  shelve_offload_instance(ctx: RequestContext, args: ComputeArgs<'shelve_offload_instance'>): Promise<void> {
    return shelving.shelveOffload(this.ops, ctx, args);
  }
  unshelve_instance(ctx: RequestContext, args: ComputeArgs<'unshelve_instance'>): Promise<void> {
    return shelving.unshelve(this.ops, ctx, args);
  }
  snapshot_instance(ctx: RequestContext, args: ComputeArgs<'snapshot_instance'>): Promise<void> {
    return snapshotInstance(this.ops, ctx, args);
  }
  rescue_instance(ctx: RequestContext, args: ComputeArgs<'rescue_instance'>): Promise<void> {
    return rescuing.rescue(this.ops, ctx, args);
  }
  unrescue_instance(ctx: RequestContext, args: ComputeArgs<'unrescue_instance'>): Promise<void> {
    return rescuing.unrescue(this.ops, ctx, args);
  }
  set_admin_password(ctx: RequestContext, args: ComputeArgs<'set_admin_password'>): Promise<void> {
    return admin.setAdminPassword(this.ops, ctx, args);
  }
  trigger_crash_dump(ctx: RequestContext, args: ComputeArgs<'trigger_crash_dump'>): Promise<void> {
    return admin.triggerCrashDump(this.ops, ctx, args);
  }
  soft_delete_instance(ctx: RequestContext, args: ComputeArgs<'soft_delete_instance'>): Promise<void> {
    return admin.softDelete(this.ops, ctx, args);
  }
  restore_instance(ctx: RequestContext, args: ComputeArgs<'restore_instance'>): Promise<void> {
    return admin.restore(this.ops, ctx, args);
  }
  inject_network_info(ctx: RequestContext, args: ComputeArgs<'inject_network_info'>): Promise<void> {
    return admin.injectNetworkInfo(this.ops, ctx, args);
  }
  attach_interface(ctx: RequestContext, args: ComputeArgs<'attach_interface'>): Promise<VifInfo> {
    return interfaces.attachInterface(this.ops, ctx, args);
  }
  detach_interface(ctx: RequestContext, args: ComputeArgs<'detach_interface'>): Promise<void> {
    return interfaces.detachInterface(this.ops, ctx, args);
  }
  reserve_block_device_name(ctx: RequestContext, args: ComputeArgs<'reserve_block_device_name'>): Promise<BlockDeviceMappingDTO> {
    return volumes.reserveBlockDeviceName(this.ops, ctx, args);
  }
  attach_volume(ctx: RequestContext, args: ComputeArgs<'attach_volume'>): Promise<void> {
    return volumes.attachVolume(this.ops, ctx, args);
  }
  detach_volume(ctx: RequestContext, args: ComputeArgs<'detach_volume'>): Promise<void> {
    return volumes.detachVolume(this.ops, ctx, args);
  }
}
