import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import { adminContext, type RequestContext } from '../context.ts';
import { type AllocationHealReport, healAllocations } from '../db/api/allocation-heal.ts';
import type { DbApi } from '../db/api/index.ts';
import type { Logger } from '../log.ts';
import type { BlockDeviceMappingDTO } from '../objects/block-device.ts';
import type { ComputeNodeDTO } from '../objects/compute-node.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { MigrationDTO } from '../objects/migration.ts';
import type { RequestSpec } from '../objects/request-spec.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { TaskState, VmState } from '../objects/states.ts';
import { methodsOf } from '../rpc/server.ts';
import type { SchedulerAPI } from '../scheduler/rpc-types.ts';
import type { Manager, PeriodicTask } from '../service/manager.ts';
import { dbTime } from '../util/time.ts';
import { BuildHealer } from './healer.ts';
import { HeartbeatBatch } from './heartbeat-batch.ts';
import * as moves from './moves.ts';
import { CONDUCTOR_METHODS, CONDUCTOR_RPC_VERSION, type ConductorAPI, type ConductorArgs } from './rpc-types.ts';

export interface ConductorDeps {
  conf: NovaConfig;
  db: DbApi;
  scheduler: SchedulerAPI;
  /** The compute hosts (a move starts on them). */
  compute: ComputeAPI;
  log: Logger;
}

/** nova-conductor: the database work of nova-compute (which has no database), and reschedules. */
export class ConductorManager implements Manager, ConductorAPI {
  readonly endpoints;
  private readonly db: DbApi;
  private readonly log: Logger;

  private readonly healer: BuildHealer;
  private readonly heartbeats: HeartbeatBatch;

  constructor(private readonly deps: ConductorDeps) {
    this.db = deps.db;
    this.log = deps.log;
    this.healer = new BuildHealer({ ...deps, reschedule: (instance, reason) => this.reschedule_instance(adminContext(), { instance, admin_password: null, reason }) });
    this.heartbeats = new HeartbeatBatch((ids) => this.db.services.heartbeatMany(ids), deps.conf.conductor.heartbeat_batch_ms);
    this.endpoints = [{ version: CONDUCTOR_RPC_VERSION, methods: methodsOf<ConductorAPI>(this, CONDUCTOR_METHODS) }];
  }

  periodicTasks(): PeriodicTask[] {
    const interval = this.deps.conf.conductor.heal_interval;
    return interval > 0 ? [{ name: 'heal_stuck_builds', intervalSec: interval, run: () => this.healer.heal() }] : [];
  }

  service_register(_ctx: RequestContext, args: ConductorArgs<'service_register'>): Promise<ServiceDTO> {
    this.log.debug({ host: args.host, binary: args.binary }, 'registering service');
    return this.db.services.getOrCreate(args);
  }

  service_heartbeat(_ctx: RequestContext, args: ConductorArgs<'service_heartbeat'>): Promise<ServiceDTO> {
    return this.heartbeats.beat(args.service_id);
  }

  async instance_update(ctx: RequestContext, args: ConductorArgs<'instance_update'>): Promise<InstanceDTO> {
    const updated = await this.db.instances.update(args.uuid, args.updates, { expectedTaskState: args.expected_task_state, expectedVmState: args.expected_vm_state });
    const e = args.action_event;
    if (e) {
      if (e.result) await this.db.history.finishEvent(args.uuid, ctx.request_id, e.event, e.result, e.traceback ?? null);
      else await this.db.history.startEvent(args.uuid, ctx.request_id, e.event, e.host);
    }
    return updated;
  }

  instance_get(_ctx: RequestContext, args: ConductorArgs<'instance_get'>): Promise<InstanceDTO> {
    return this.db.instances.get(args.uuid, { readDeleted: args.read_deleted === true });
  }

  async instance_destroy(_ctx: RequestContext, args: ConductorArgs<'instance_destroy'>): Promise<void> {
    await this.db.computeNodes.release(args.uuid);
    // What its migrations still hold goes with it (an evacuation's source claim, kept until that host came back).
    for (const m of await this.db.migrations.list({ instance_uuid: args.uuid })) await this.db.computeNodes.release(m.uuid);
    await this.db.serverGroups.removeInstances([args.uuid]);
    await this.db.instances.remove(args.uuid);
  }

  instances_on_host(_ctx: RequestContext, args: ConductorArgs<'instances_on_host'>): Promise<InstanceDTO[]> {
    return this.db.instances.listByHost(args.host);
  }

  async instance_fault_create(_ctx: RequestContext, args: ConductorArgs<'instance_fault_create'>): Promise<void> {
    await this.db.history.addFault({ instance_uuid: args.uuid, code: args.code, message: args.message, details: args.details, host: args.host });
  }

  async action_start(ctx: RequestContext, args: ConductorArgs<'action_start'>): Promise<void> {
    await this.db.history.startAction({ action: args.action, instance_uuid: args.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
  }

  async action_event_start(ctx: RequestContext, args: ConductorArgs<'action_event_start'>): Promise<void> {
    await this.db.history.startEvent(args.uuid, ctx.request_id, args.event, args.host);
  }

  async action_event_finish(ctx: RequestContext, args: ConductorArgs<'action_event_finish'>): Promise<void> {
    await this.db.history.finishEvent(args.uuid, ctx.request_id, args.event, args.result, args.traceback);
  }

  async compute_node_update(_ctx: RequestContext, args: ConductorArgs<'compute_node_update'>): Promise<ComputeNodeDTO> {
    const service = await this.db.services.findByHostAndBinary(args.host, 'nova-compute');
    return this.db.computeNodes.upsertInventory(args.host, service?.id ?? null, args.inventory, args.capabilities);
  }

  async allocations_release(_ctx: RequestContext, args: ConductorArgs<'allocations_release'>): Promise<void> {
    await this.db.computeNodes.release(args.uuid);
  }

  migrate_server(ctx: RequestContext, args: ConductorArgs<'migrate_server'>): Promise<void> {
    return moves.migrateServer(this.deps, ctx, args);
  }

  live_migrate_instance(ctx: RequestContext, args: ConductorArgs<'live_migrate_instance'>): Promise<void> {
    return moves.liveMigrateInstance(this.deps, ctx, args);
  }

  evacuate_instance(ctx: RequestContext, args: ConductorArgs<'evacuate_instance'>): Promise<void> {
    return moves.evacuateInstance(this.deps, ctx, args);
  }

  unshelve_instance(ctx: RequestContext, args: ConductorArgs<'unshelve_instance'>): Promise<void> {
    return moves.unshelveInstance(this.deps, ctx, args);
  }

  migration_get(_ctx: RequestContext, args: ConductorArgs<'migration_get'>): Promise<MigrationDTO> {
    return this.db.migrations.getByUuid(args.uuid);
  }

  migration_update(_ctx: RequestContext, args: ConductorArgs<'migration_update'>): Promise<MigrationDTO> {
    return this.db.migrations.update(args.uuid, args.updates);
  }

  migrations_find(_ctx: RequestContext, args: ConductorArgs<'migrations_find'>): Promise<MigrationDTO[]> {
    return this.db.migrations.list({
      instance_uuid: args.instance_uuid,
      source_compute: args.source_compute,
      dest_compute: args.dest_compute,
      status: args.statuses,
      migration_type: args.migration_type,
    });
  }

  allocations_move(_ctx: RequestContext, args: ConductorArgs<'allocations_move'>): Promise<void> {
    return this.db.computeNodes.moveAllocations(args.from, args.to);
  }

  allocations_revert(_ctx: RequestContext, args: ConductorArgs<'allocations_revert'>): Promise<void> {
    return this.db.computeNodes.revertAllocations(args.instance_uuid, args.migration_uuid);
  }

  bdm_list(_ctx: RequestContext, args: ConductorArgs<'bdm_list'>): Promise<BlockDeviceMappingDTO[]> {
    return this.db.blockDevices.listByInstance(args.instance_uuid);
  }

  bdm_create(_ctx: RequestContext, args: ConductorArgs<'bdm_create'>): Promise<BlockDeviceMappingDTO> {
    return this.db.blockDevices.create(args.bdm);
  }

  bdm_update(_ctx: RequestContext, args: ConductorArgs<'bdm_update'>): Promise<BlockDeviceMappingDTO> {
    return this.db.blockDevices.update(args.uuid, args.updates);
  }

  bdm_destroy(_ctx: RequestContext, args: ConductorArgs<'bdm_destroy'>): Promise<void> {
    return this.db.blockDevices.destroy(args.uuid);
  }

  allocations_heal(_ctx: RequestContext, args: ConductorArgs<'allocations_heal'>): Promise<AllocationHealReport> {
    return healAllocations(this.db.db, this.db.computeNodes, args.host);
  }

  /**
   * A build failed on `instance.host`: send it back to the scheduler with that
   * host excluded, or put it in ERROR once `[scheduler] max_attempts` hosts
   * have been tried (Nova's MaxRetriesExceeded).
   */
  async reschedule_instance(ctx: RequestContext, args: ConductorArgs<'reschedule_instance'>): Promise<void> {
    const { instance } = args;
    const spec = args.request_spec ?? (await this.db.requestSpecs.get(instance.uuid))?.spec;
    if (!spec) {
      const msg = `Build of instance ${instance.uuid} could not be rescheduled: no request spec is stored. Last error: ${args.reason}`;
      await this.db.history.addFault({ instance_uuid: instance.uuid, code: 500, message: msg, details: args.reason, host: null });
      await this.db.instances
        .update(instance.uuid, { vm_state: VmState.ERROR, task_state: null, host: null, node: null }, { expectedVmState: [VmState.BUILDING] })
        .catch((e: unknown) => {
          this.log.info({ instance: instance.uuid, err: String(e) }, 'instance changed during reschedule; leaving it');
        });
      await this.db.computeNodes.release(instance.uuid);
      return;
    }
    const tried = [...new Set([...spec.retry.hosts, ...(instance.host ? [instance.host] : [])])];
    const attempts = spec.retry.num_attempts;
    if (attempts >= this.deps.conf.scheduler.max_attempts) {
      const msg = `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${instance.uuid}.`;
      this.log.warn({ instance: instance.uuid, attempts, last_error: args.reason }, msg);
      await this.db.history.addFault({ instance_uuid: instance.uuid, code: 500, message: msg, details: args.reason, host: null });
      await this.db.instances
        // A build that failed everywhere never reached a host: no host, no claim (Nova's _nil_out_instance_obj_host_and_node).
        .update(instance.uuid, { vm_state: VmState.ERROR, task_state: null, host: null, node: null }, { expectedTaskState: [TaskState.SPAWNING, TaskState.SCHEDULING, null] })
        .catch((e: unknown) => this.log.info({ instance: instance.uuid, err: String(e) }, 'instance changed during reschedule; leaving it'));
      await this.db.computeNodes.release(instance.uuid);
      await this.db.history
        .finishEvent(instance.uuid, ctx.request_id, 'compute__do_build_and_run_instance', 'Error', args.reason)
        .catch((e: unknown) => this.log.warn({ instance: instance.uuid, err: String(e) }, 'could not record the failed build event after the last retry'));
      return;
    }
    try {
      await this.db.instances.update(
        instance.uuid,
        { host: null, node: null, task_state: TaskState.SCHEDULING, scheduled_at: null, updated_at: dbTime() },
        { expectedTaskState: [TaskState.SPAWNING, TaskState.SCHEDULING] },
      );
    } catch (e) {
      this.log.info({ instance: instance.uuid, err: String(e) }, 'not rescheduling: the instance changed (deleted?)');
      return;
    }
    this.log.info({ instance: instance.uuid, failed_host: instance.host, attempt: attempts + 1 }, 'rescheduling build');
    const next: RequestSpec = { ...spec, instance_uuids: [instance.uuid], num_instances: 1, ignore_hosts: tried, retry: { num_attempts: attempts + 1, hosts: tried } };
    // The group's members may have moved on since the first attempt: its hosts are read again (Nova's setup_instance_group).
    if (spec.instance_group) next.instance_group = (await this.db.serverGroups.forRequestSpec(spec.instance_group.uuid, [instance.uuid])) ?? undefined;
    await this.db.requestSpecs.saveFor(next);
    await this.deps.scheduler.build_instances(ctx, { request_spec: next, admin_password: args.admin_password });
  }
}
