import { randomBytes, randomUUID } from 'node:crypto';
import type { NovaConfig } from '../conf/loader.ts';
import type { ConsoleAuthAPI } from '../consoleauth/rpc-types.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import type { InstanceFilters, ListOptions } from '../db/api/instances.ts';
import { Forbidden, Invalid } from '../exception/base.ts';
import { InstanceNotReady } from '../exception/console.ts';
import { InstanceInvalidState, InstanceIsLocked, InstanceNotFound, UnexpectedTaskStateError } from '../exception/instance.ts';
import { ComputeServiceUnavailable, FlavorNotFound, ImageNotFound } from '../exception/resources.ts';
import type { Logger } from '../log.ts';
import { zoneHasHosts } from '../objects/aggregate.ts';
import type { ConsoleType } from '../objects/console-auth-token.ts';
import type { FlavorDTO } from '../objects/flavor.ts';
import type { FlavorSnapshot, InstanceDTO, InstanceUpdate } from '../objects/instance.ts';
import type { ImageMeta, RequestSpec, SchedulerHints } from '../objects/request-spec.ts';
import { TaskState, VmState } from '../objects/states.ts';
import type { SchedulerAPI } from '../scheduler/rpc-types.ts';
import { serviceIsUp } from '../service/servicegroup.ts';
import { dbTime } from '../util/time.ts';
import type { ConsoleEndpoint, RebootType } from '../virt/driver.ts';
import type { ComputeAPI } from './rpc-types.ts';
import { checkGroupQuota, joinGroup, requestedGroup } from './server-groups.ts';

/** Checks a boot against the project's quota, before and after the instances are recorded; throws OverQuota. */
export interface QuotaChecker {
  checkInstances(ctx: RequestContext, projectId: string, userId: string, count: number, flavor: FlavorDTO): Promise<void>;
  recheck(ctx: RequestContext, projectId: string, created: { count: number; flavor: FlavorDTO }): Promise<void>;
}

/** What nova-api needs to know of an image to boot from it. */
export interface ImageInfo {
  id: string;
  status: string;
  min_ram: number;
  min_disk: number;
  properties: Record<string, string>;
}

/** The image service as nova-api uses it (with the caller's rights); throws ImageNotFound. */
export interface ImageLookup {
  show(ctx: RequestContext, imageId: string): Promise<ImageInfo>;
}

export interface ComputeApiDeps {
  conf: NovaConfig;
  db: DbApi;
  scheduler: SchedulerAPI;
  compute: ComputeAPI;
  log: Logger;
  quota?: QuotaChecker;
  /** Without one (no image service), imageRef is taken as given. */
  images?: ImageLookup;
  /** nova-consoleauth: console tokens (issued for the console API, revoked on delete). */
  consoleauth?: ConsoleAuthAPI;
}

export interface CreateParams {
  name: string;
  flavorId: string;
  imageRef: string;
  metadata: Record<string, string>;
  availabilityZone: string | null;
  forcedHost: string | null;
  forcedNode: string | null;
  keyName: string | null;
  minCount: number;
  maxCount: number;
  userData: string | null;
  tags: string[];
  description: string | null;
  hints: SchedulerHints;
  accessIpV4: string | null;
  accessIpV6: string | null;
  adminPass: string | null;
  hostname: string | null;
  configDrive: boolean;
}

/** Nova's hostname sanitisation (utils.sanitize_hostname). */
export function sanitizeHostname(name: string, defaultName = 'server'): string {
  let h = name
    .replace(/[ _]/g, '-')
    .replace(/[^\w.-]+/g, '')
    .toLowerCase();
  h = h.replace(/^[.-]+|[.-]+$/g, '').slice(0, 63);
  return h || defaultName;
}

function generatePassword(length = 12): string {
  const chars = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => chars[b % chars.length]).join('');
}

function snapshot(f: FlavorDTO): FlavorSnapshot {
  return {
    id: f.id,
    flavorid: f.flavorid,
    name: f.name,
    memory_mb: f.memory_mb,
    vcpus: f.vcpus,
    root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb,
    swap: f.swap,
    rxtx_factor: f.rxtx_factor,
    vcpu_weight: f.vcpu_weight,
    extra_specs: f.extra_specs,
    description: f.description,
  };
}

/**
 * The compute API façade nova-api uses (nova.compute.api.API): validates
 * requests against the instance state machine, records instances and
 * actions, and hands work to nova-scheduler or the instance's nova-compute.
 */
export class ComputeApi {
  constructor(private readonly deps: ComputeApiDeps) {}

  private get db(): DbApi {
    return this.deps.db;
  }

  /** An instance the caller may see: other projects' instances are "not found" (404), as Nova answers. */
  async get(ctx: RequestContext, uuid: string): Promise<InstanceDTO> {
    const inst = await this.db.instances.get(uuid);
    if (!ctx.is_admin && inst.project_id !== ctx.project_id) throw InstanceNotFound.of(uuid);
    return inst;
  }

  list(filters: InstanceFilters, opts: ListOptions): Promise<InstanceDTO[]> {
    return this.db.instances.list(filters, opts);
  }

  /** Is the nova-compute service of `host` up? */
  async hostUp(host: string): Promise<boolean> {
    const s = await this.db.services.findByHostAndBinary(host, 'nova-compute');
    return s !== null && serviceIsUp(s, this.deps.conf.DEFAULT.service_down_time);
  }

  async create(ctx: RequestContext, p: CreateParams): Promise<{ instances: InstanceDTO[]; adminPass: string; reservationId: string }> {
    const flavor = await this.db.flavors.getByFlavorId(p.flavorId).catch((e: unknown) => {
      if (e instanceof FlavorNotFound) throw new Invalid(`Flavor ${p.flavorId} could not be found.`);
      throw e;
    });
    if (flavor.disabled) throw new Invalid('Flavor is disabled.');
    if (!flavor.is_public && !ctx.is_admin && !(await this.db.flavors.hasAccess(flavor.id, ctx.project_id ?? ''))) {
      throw new Invalid(`Flavor ${p.flavorId} could not be found.`);
    }
    const image = await this.imageFor(ctx, p.imageRef, flavor);
    let keyData: string | null = null;
    if (p.keyName) {
      const kp = await this.db.keypairs.get(ctx.user_id ?? '', p.keyName).catch(() => null);
      if (!kp) throw new Invalid(`Invalid key_name provided.`);
      keyData = kp.public_key;
    }
    // A zone exists when it is the default zone or an aggregate's zone with hosts.
    const zone = p.availabilityZone;
    if (zone && zone !== this.deps.conf.DEFAULT.default_availability_zone && !zoneHasHosts(await this.db.aggregates.list(), zone)) {
      throw new Invalid(`The requested availability zone is not available`);
    }
    const maxMeta = 128;
    if (Object.keys(p.metadata).length > maxMeta) throw new Forbidden('Quota exceeded for metadata_items: Requested 129, but already used 0 of 128 metadata_items');
    const group = await requestedGroup(this.db, ctx, p.hints);
    const projectId = ctx.project_id ?? '';
    const userId = ctx.user_id ?? '';
    // As Nova: create max_count if the quota allows, else as many as fit, but at least min_count.
    let count = p.maxCount;
    if (this.deps.quota) {
      for (;;) {
        try {
          await this.deps.quota.checkInstances(ctx, projectId, userId, count, flavor);
          break;
        } catch (e) {
          if (count <= p.minCount) throw e;
          count--;
        }
      }
    }
    await checkGroupQuota(this.deps, ctx, group, count);
    const adminPass = p.adminPass ?? generatePassword();
    const reservationId = `r-${randomBytes(4).toString('hex').slice(0, 8)}`;
    const az = p.availabilityZone ?? this.deps.conf.DEFAULT.default_schedule_zone;
    const instances: InstanceDTO[] = [];
    for (let i = 0; i < count; i++) {
      const name = count > 1 ? `${p.name}-${i + 1}` : p.name;
      const inst = await this.db.instances.create({
        uuid: randomUUID(),
        user_id: userId,
        project_id: projectId,
        image_ref: p.imageRef,
        kernel_id: '',
        ramdisk_id: '',
        hostname: p.hostname ?? sanitizeHostname(name),
        host: null,
        node: null,
        launch_index: i,
        key_name: p.keyName,
        key_data: keyData,
        power_state: 0,
        vm_state: VmState.BUILDING,
        task_state: TaskState.SCHEDULING,
        memory_mb: flavor.memory_mb,
        vcpus: flavor.vcpus,
        root_gb: flavor.root_gb,
        ephemeral_gb: flavor.ephemeral_gb,
        instance_type_id: flavor.id,
        flavor: snapshot(flavor),
        display_name: name,
        display_description: p.description,
        availability_zone: az,
        locked: false,
        locked_by: null,
        locked_reason: null,
        reservation_id: reservationId,
        launched_at: null,
        terminated_at: null,
        scheduled_at: null,
        user_data: p.userData,
        config_drive: p.configDrive ? 'True' : '',
        access_ip_v4: p.accessIpV4,
        access_ip_v6: p.accessIpV6,
        progress: 0,
        root_device_name: null,
        metadata: p.metadata,
        system_metadata: { image_base_image_ref: p.imageRef, ...Object.fromEntries(Object.entries(image.properties).map(([k, v]) => [`image_${k}`, v])) },
        tags: p.tags,
      });
      await this.db.history.startAction({ action: 'create', instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
      instances.push(inst);
    }
    if (this.deps.quota) {
      try {
        await this.deps.quota.recheck(ctx, projectId, { count: instances.length, flavor });
      } catch (e) {
        for (const i of instances) await this.db.instances.destroy(i.uuid).catch(() => {});
        throw e;
      }
    }
    const instanceGroup = await joinGroup(this.deps, ctx, group, instances);
    const spec: RequestSpec = {
      instance_uuids: instances.map((i) => i.uuid),
      num_instances: instances.length,
      project_id: projectId,
      user_id: userId,
      flavor: snapshot(flavor),
      image,
      availability_zone: az,
      force_hosts: p.forcedHost ? [p.forcedHost] : [],
      force_nodes: p.forcedNode ? [p.forcedNode] : [],
      scheduler_hints: p.hints,
      ignore_hosts: [],
      retry: { num_attempts: 1, hosts: [] },
      instance_group: instanceGroup,
    };
    await this.deps.scheduler.build_instances(ctx, { request_spec: spec, admin_password: adminPass });
    return { instances, adminPass, reservationId };
  }

  /** Check the image with the image service (exists for the caller, active, fits the flavor). */
  private async imageFor(ctx: RequestContext, imageRef: string, flavor: FlavorDTO): Promise<ImageMeta> {
    if (!this.deps.images) return { id: imageRef, properties: {} };
    let info: ImageInfo;
    try {
      info = await this.deps.images.show(ctx, imageRef);
    } catch (e) {
      if (e instanceof ImageNotFound) throw new Invalid(`Image ${imageRef} could not be found.`);
      throw e;
    }
    if (info.status !== 'active') throw new Invalid(`Image ${imageRef} is not active.`);
    if (info.min_ram > flavor.memory_mb) throw new Invalid("Flavor's memory is too small for requested image.");
    if (flavor.root_gb > 0 && info.min_disk > flavor.root_gb) throw new Invalid("Flavor's disk is too small for requested image.");
    return { id: info.id, properties: info.properties };
  }

  /** Nova's check_instance_lock: a locked instance only takes actions from admins. */
  private checkLock(ctx: RequestContext, inst: InstanceDTO): void {
    if (inst.locked && !ctx.is_admin) throw InstanceIsLocked.of(inst.uuid);
  }

  /** Nova's check_instance_state. */
  private checkState(inst: InstanceDTO, method: string, vmStates: readonly string[] | null, taskStates: readonly (string | null)[] | null): void {
    if (vmStates && !vmStates.includes(inst.vm_state)) throw InstanceInvalidState.of(inst.uuid, 'vm_state', inst.vm_state, method);
    if (taskStates && !taskStates.includes(inst.task_state)) throw InstanceInvalidState.of(inst.uuid, 'task_state', inst.task_state, method);
  }

  /** Move to a task state (guarded), record the action, then hand the instance to its compute host. */
  private async begin(ctx: RequestContext, inst: InstanceDTO, action: string, method: string, taskState: string, expected: readonly (string | null)[]): Promise<InstanceDTO> {
    if (!inst.host) throw InstanceInvalidState.of(inst.uuid, 'vm_state', inst.vm_state, method);
    let updated: InstanceDTO;
    try {
      updated = await this.db.instances.update(inst.uuid, { task_state: taskState }, { expectedTaskState: expected, expectedVmState: [inst.vm_state] });
    } catch (e) {
      if (e instanceof UnexpectedTaskStateError) {
        const now = await this.db.instances.get(inst.uuid);
        throw InstanceInvalidState.of(inst.uuid, 'task_state', now.task_state, method);
      }
      throw e;
    }
    await this.db.history.startAction({ action, instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
    return updated;
  }

  async stop(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    this.checkLock(ctx, inst);
    this.checkState(inst, 'stop', [VmState.ACTIVE, VmState.ERROR], [null]);
    const i = await this.begin(ctx, inst, 'stop', 'stop', TaskState.POWERING_OFF, [null]);
    await this.deps.compute.stop_instance(ctx, { instance: i, clean_shutdown: true });
  }

  async start(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    this.checkLock(ctx, inst);
    this.checkState(inst, 'start', [VmState.STOPPED], [null]);
    const i = await this.begin(ctx, inst, 'start', 'start', TaskState.POWERING_ON, [null]);
    await this.deps.compute.start_instance(ctx, { instance: i });
  }

  async reboot(ctx: RequestContext, inst: InstanceDTO, type: RebootType): Promise<void> {
    this.checkLock(ctx, inst);
    if (type === 'SOFT') {
      this.checkState(inst, 'reboot', [VmState.ACTIVE], [null]);
    } else {
      this.checkState(
        inst,
        'reboot',
        [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED, VmState.ERROR],
        [null, TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED, TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD, TaskState.REBOOT_STARTED_HARD],
      );
    }
    const task = type === 'HARD' ? TaskState.REBOOTING_HARD : TaskState.REBOOTING;
    const expected =
      type === 'HARD'
        ? [null, TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED, TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD, TaskState.REBOOT_STARTED_HARD]
        : [null];
    const i = await this.begin(ctx, inst, 'reboot', 'reboot', task, expected);
    await this.deps.compute.reboot_instance(ctx, { instance: i, reboot_type: type });
  }

  async pause(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    this.checkLock(ctx, inst);
    this.checkState(inst, 'pause', [VmState.ACTIVE], [null]);
    const i = await this.begin(ctx, inst, 'pause', 'pause', TaskState.PAUSING, [null]);
    await this.deps.compute.pause_instance(ctx, { instance: i });
  }

  async unpause(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    this.checkLock(ctx, inst);
    this.checkState(inst, 'unpause', [VmState.PAUSED], [null]);
    const i = await this.begin(ctx, inst, 'unpause', 'unpause', TaskState.UNPAUSING, [null]);
    await this.deps.compute.unpause_instance(ctx, { instance: i });
  }

  async suspend(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    this.checkLock(ctx, inst);
    this.checkState(inst, 'suspend', [VmState.ACTIVE], [null]);
    const i = await this.begin(ctx, inst, 'suspend', 'suspend', TaskState.SUSPENDING, [null]);
    await this.deps.compute.suspend_instance(ctx, { instance: i });
  }

  async resume(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    this.checkLock(ctx, inst);
    this.checkState(inst, 'resume', [VmState.SUSPENDED], [null]);
    const i = await this.begin(ctx, inst, 'resume', 'resume', TaskState.RESUMING, [null]);
    await this.deps.compute.resume_instance(ctx, { instance: i });
  }

  /**
   * Delete: with a live compute host, mark deleting and let the host destroy
   * the guest; without one (never scheduled, or host down) delete locally,
   * as Nova does.
   */
  async delete(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    this.checkLock(ctx, inst);
    await this.db.history.startAction({ action: 'delete', instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
    const updated = await this.db.instances.update(inst.uuid, { task_state: TaskState.DELETING, progress: 0 });
    await this.revokeConsoles(ctx, inst.uuid);
    if (inst.host && (await this.hostUp(inst.host))) {
      await this.deps.compute.terminate_instance(ctx, { instance: updated });
      return;
    }
    this.deps.log.info({ instance: inst.uuid, host: inst.host }, inst.host ? 'compute host is down: deleting locally' : 'deleting an unscheduled instance locally');
    await this.db.computeNodes.release(inst.uuid);
    await this.db.serverGroups.removeInstances([inst.uuid]);
    await this.db.instances.destroy(inst.uuid).catch((e: unknown) => {
      if (!(e instanceof InstanceNotFound)) throw e;
    });
  }

  /** Revoke the instance's console tokens (a cast to nova-consoleauth; a delete never fails on it). */
  private async revokeConsoles(ctx: RequestContext, uuid: string): Promise<void> {
    const revoked = this.deps.consoleauth?.delete_tokens_for_instance(ctx, { instance_uuid: uuid });
    await revoked?.catch((e: unknown) => this.deps.log.warn({ instance: uuid, err: String(e) }, 'could not revoke console tokens'));
  }

  /** nova-consoleauth, when nova-api is wired with it. */
  get consoleAuth(): ConsoleAuthAPI | undefined {
    return this.deps.consoleauth;
  }

  /** Where the instance's console is, asked of its compute host (InstanceNotReady without one; ConsoleTypeUnavailable from the driver). */
  async getConsoleEndpoint(ctx: RequestContext, inst: InstanceDTO, type: ConsoleType): Promise<ConsoleEndpoint> {
    if (!inst.host) throw InstanceNotReady.of(inst.uuid);
    if (!(await this.hostUp(inst.host))) throw new ComputeServiceUnavailable(`Compute service of ${inst.host} is unavailable at this time.`, { host: inst.host });
    return this.deps.compute.get_console_endpoint(ctx, { instance: inst, console_type: type });
  }

  async lock(ctx: RequestContext, inst: InstanceDTO, reason: string | null): Promise<void> {
    await this.db.history.startAction({ action: 'lock', instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
    const lockedBy = inst.project_id === ctx.project_id ? 'owner' : 'admin';
    await this.db.instances.update(inst.uuid, { locked: true, locked_by: lockedBy, locked_reason: reason });
  }

  async unlock(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    if (inst.locked && inst.locked_by === 'admin' && !ctx.is_admin) {
      throw new Forbidden("Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.");
    }
    await this.db.history.startAction({ action: 'unlock', instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
    await this.db.instances.update(inst.uuid, { locked: false, locked_by: null, locked_reason: null });
  }

  async update(ctx: RequestContext, inst: InstanceDTO, changes: InstanceUpdate): Promise<InstanceDTO> {
    this.checkLock(ctx, inst);
    return this.db.instances.update(inst.uuid, changes);
  }

  async getConsoleOutput(ctx: RequestContext, inst: InstanceDTO, tailLength: number | null): Promise<string> {
    if (!inst.host || inst.vm_state === VmState.BUILDING) throw InstanceInvalidState.of(inst.uuid, 'vm_state', inst.vm_state, 'get_console_output');
    if (!(await this.hostUp(inst.host))) throw new ComputeServiceUnavailable(`Compute service of ${inst.host} is unavailable at this time.`, { host: inst.host });
    return this.deps.compute.get_console_output(ctx, { instance: inst, tail_length: tailLength });
  }

  async setMetadata(ctx: RequestContext, inst: InstanceDTO, metadata: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    this.checkLock(ctx, inst);
    const next = replace ? { ...metadata } : { ...inst.metadata, ...metadata };
    if (Object.keys(next).length > 128) throw new Forbidden(`Quota exceeded for metadata_items: Requested ${Object.keys(next).length}, but already used 0 of 128 metadata_items`);
    const updated = await this.db.instances.update(inst.uuid, { metadata: next, updated_at: dbTime() });
    return updated.metadata;
  }

  async deleteMetadataItem(ctx: RequestContext, inst: InstanceDTO, key: string): Promise<void> {
    this.checkLock(ctx, inst);
    const next = { ...inst.metadata };
    delete next[key];
    await this.db.instances.update(inst.uuid, { metadata: next });
  }
}
