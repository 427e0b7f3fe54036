import type { CinderClient } from '../clients/cinder.ts';
import type { NeutronClient } from '../clients/neutron.ts';
import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { ConductorAPI } from '../conductor/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { ConsoleAuthAPI } from '../consoleauth/rpc-types.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import type { InstanceFilters, ListOptions } from '../db/api/instances.ts';
import { Forbidden, Invalid, NotFound } from '../exception/base.ts';
import { InstanceNotReady } from '../exception/console.ts';
import { InstanceInvalidState, InstanceNotFound } from '../exception/instance.ts';
import { ComputeServiceUnavailable } from '../exception/resources.ts';
import { ConsoleTypeUnavailable } from '../exception/virt.ts';
import type { Logger } from '../log.ts';
import type { DriverCapability } from '../objects/compute-node.ts';
import type { ConsoleType } from '../objects/console-auth-token.ts';
import type { InstanceDTO, InstanceUpdate } from '../objects/instance.ts';
import { TaskState, VmState } from '../objects/states.ts';
import type { SchedulerAPI } from '../scheduler/rpc-types.ts';
import { serviceIsUp } from '../service/servicegroup.ts';
import { dbTime } from '../util/time.ts';
import type { ConsoleEndpoint, RebootType } from '../virt/driver.ts';
import { ServerAdminActions } from './admin-actions.ts';
import { type CreatedServers, type CreateParams, createServers, type ImageLookup, type QuotaChecker } from './create.ts';
import { ServerFloatingIps } from './floating-ips.ts';
import { begin, checkLock, checkState, hostLacks, requireCapability } from './guards.ts';
import { ServerInterfaces } from './interfaces.ts';
import { ServerMoves } from './moves.ts';
import { type RebuildParams, rebuildServer } from './rebuild.ts';
import { ServerRescue } from './rescue.ts';
import { ServerSecurityGroups } from './security-groups.ts';
import { ServerShelve } from './shelve.ts';
import type { SnapshotImages } from './snapshot-images.ts';
import { ServerSnapshots } from './snapshots.ts';
import { ServerVolumes } from './volumes.ts';

export type { CreateParams, ImageInfo, ImageLookup, QuotaChecker } from './create.ts';

/** Nova's MAX_TAG_COUNT: tags per server. */
export const MAX_TAGS = 50;
/** The vm_states in which a server's tags may change (Nova's server tags API; it checks no lock). */
const TAGGABLE: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED];

/** The driver capability each console type needs. */
const CONSOLE_CAPABILITY: Readonly<Record<ConsoleType, DriverCapability>> = {
  novnc: 'supports_vnc_console',
  xvpvnc: 'supports_vnc_console',
  serial: 'supports_serial_console',
  'spice-html5': 'supports_spice_console',
};

export interface ComputeApiDeps {
  conf: NovaConfig;
  db: DbApi;
  scheduler: SchedulerAPI;
  compute: ComputeAPI;
  /** nova-conductor: server moves are scheduled through it. */
  conductor: ConductorAPI;
  log: Logger;
  quota?: QuotaChecker;
  /** Without one (no image service), imageRef is taken as given. */
  images?: ImageLookup;
  /** Where snapshot, backup and shelved image records are created; without one those actions are refused. */
  snapshots?: SnapshotImages;
  /** nova-consoleauth: console tokens (issued for the console API, revoked on delete). */
  consoleauth?: ConsoleAuthAPI;
  /** The network service as the caller ([neutron]); without one servers get no ports. */
  network?: NeutronClient;
  /** The volume service as the caller ([cinder]); without one no volume exists. */
  volume?: CinderClient;
}

/**
 * The compute API façade nova-api uses (nova.compute.api.API): validates
 * requests against the instance state machine, records instances and
 * actions, and hands work to nova-scheduler or the instance's nova-compute.
 */
export class ComputeApi {
  /** Resize, migrate, live-migrate, evacuate and the server-migrations operations. */
  readonly moves: ServerMoves;

  constructor(private readonly deps: ComputeApiDeps) {
    this.moves = new ServerMoves(deps);
  }

  private get db(): DbApi {
    return this.deps.db;
  }

  /** createImage and createBackup (snapshots.ts). */
  get snapshots(): ServerSnapshots {
    return new ServerSnapshots(this.deps);
  }
  /** shelve, shelveOffload and unshelve (shelve.ts). */
  get shelving(): ServerShelve {
    return new ServerShelve(this.deps);
  }
  /** os-interface attach and detach (interfaces.ts). */
  get interfaces(): ServerInterfaces {
    return new ServerInterfaces(this.deps);
  }
  /** os-volume_attachments and the volume proxies (volumes.ts). */
  get volumes(): ServerVolumes {
    return new ServerVolumes(this.deps);
  }
  /** os-floating-ips and the floating IP actions (floating-ips.ts). */
  get floatingIps(): ServerFloatingIps {
    return new ServerFloatingIps(this.deps);
  }
  /** os-security-groups, os-security-group-rules and the security group actions (security-groups.ts). */
  get securityGroups(): ServerSecurityGroups {
    return new ServerSecurityGroups(this.deps);
  }
  /** rescue and unrescue (rescue.ts). */
  get rescues(): ServerRescue {
    return new ServerRescue(this.deps);
  }
  /** changePassword, trigger_crash_dump, os-resetState, injectNetworkInfo, restore and the deferred delete (admin-actions.ts). */
  get admin(): ServerAdminActions {
    return new ServerAdminActions(this.deps);
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

  /** Rebuild from an image on the instance's host (see rebuild.ts). */
  rebuild(ctx: RequestContext, inst: InstanceDTO, p: RebuildParams): Promise<InstanceDTO> {
    return rebuildServer(this.deps, ctx, inst, p);
  }

  /** Create servers (see create.ts): validate, record, hand to the scheduler. */
  create(ctx: RequestContext, p: CreateParams): Promise<CreatedServers> {
    return createServers(this.deps, ctx, p);
  }

  async stop(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'stop', [VmState.ACTIVE, VmState.ERROR], [null]);
    const i = await begin(this.db, ctx, inst, 'stop', 'stop', TaskState.POWERING_OFF, [null]);
    await this.deps.compute.stop_instance(ctx, { instance: i, clean_shutdown: true });
  }

  async start(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'start', [VmState.STOPPED], [null]);
    const i = await begin(this.db, ctx, inst, 'start', 'start', TaskState.POWERING_ON, [null]);
    await this.deps.compute.start_instance(ctx, { instance: i });
  }

  async reboot(ctx: RequestContext, inst: InstanceDTO, type: RebootType): Promise<void> {
    checkLock(ctx, inst);
    if (type === 'SOFT') {
      checkState(inst, 'reboot', [VmState.ACTIVE], [null]);
    } else {
      checkState(
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
    const i = await begin(this.db, ctx, inst, 'reboot', 'reboot', task, expected);
    await this.deps.compute.reboot_instance(ctx, { instance: i, reboot_type: type });
  }

  async pause(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'pause', [VmState.ACTIVE], [null]);
    await requireCapability(this.db, inst, 'supports_pause');
    const i = await begin(this.db, ctx, inst, 'pause', 'pause', TaskState.PAUSING, [null]);
    await this.deps.compute.pause_instance(ctx, { instance: i });
  }

  async unpause(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'unpause', [VmState.PAUSED], [null]);
    await requireCapability(this.db, inst, 'supports_pause');
    const i = await begin(this.db, ctx, inst, 'unpause', 'unpause', TaskState.UNPAUSING, [null]);
    await this.deps.compute.unpause_instance(ctx, { instance: i });
  }

  async suspend(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'suspend', [VmState.ACTIVE], [null]);
    await requireCapability(this.db, inst, 'supports_suspend');
    const i = await begin(this.db, ctx, inst, 'suspend', 'suspend', TaskState.SUSPENDING, [null]);
    await this.deps.compute.suspend_instance(ctx, { instance: i });
  }

  async resume(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'resume', [VmState.SUSPENDED], [null]);
    await requireCapability(this.db, inst, 'supports_suspend');
    const i = await begin(this.db, ctx, inst, 'resume', 'resume', TaskState.RESUMING, [null]);
    await this.deps.compute.resume_instance(ctx, { instance: i });
  }

  /**
   * Delete: with a live compute host, mark deleting and let the host destroy
   * the guest; without one (never scheduled, or host down) delete locally,
   * as Nova does.
   */
  async delete(ctx: RequestContext, inst: InstanceDTO, opts: { force?: boolean } = {}): Promise<void> {
    checkLock(ctx, inst);
    // With [DEFAULT] reclaim_instance_interval (and not forceDelete) a soft delete, done there.
    if (await this.admin.beforeDelete(ctx, inst, opts.force === true)) return;
    await this.db.history.startAction({ action: 'delete', instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
    await this.moves.confirmOnDeleting(ctx, inst);
    const updated = await this.db.instances.update(inst.uuid, { task_state: TaskState.DELETING, progress: 0 });
    await this.revokeConsoles(ctx, inst.uuid);
    if (inst.host && (await this.hostUp(inst.host))) {
      await this.deps.compute.terminate_instance(ctx, { instance: updated });
      return;
    }
    this.deps.log.info({ instance: inst.uuid, host: inst.host }, inst.host ? 'compute host is down: deleting locally' : 'deleting an unscheduled instance locally');
    await this.db.computeNodes.release(inst.uuid);
    for (const m of await this.db.migrations.list({ instance_uuid: inst.uuid })) await this.db.computeNodes.release(m.uuid);
    await this.db.serverGroups.removeInstances([inst.uuid]);
    await this.volumes.localCleanup(ctx, inst.uuid, (volume, e) =>
      this.deps.log.warn({ instance: inst.uuid, volume, err: String(e) }, 'could not clean up a volume of a locally deleted instance'),
    );
    await this.db.instances.remove(inst.uuid).catch((e: unknown) => {
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

  /**
   * Where the instance's console is, asked of its compute host: InstanceNotReady
   * without one; ConsoleTypeUnavailable (Nova's 400 "Unavailable console
   * type …") when the host's driver has no console of the type, decided here
   * from its capabilities or else by the driver.
   */
  async getConsoleEndpoint(ctx: RequestContext, inst: InstanceDTO, type: ConsoleType): Promise<ConsoleEndpoint> {
    if (!inst.host) throw InstanceNotReady.of(inst.uuid);
    if (await hostLacks(this.db, inst, CONSOLE_CAPABILITY[type])) throw ConsoleTypeUnavailable.of(type);
    if (!(await this.hostUp(inst.host))) throw new ComputeServiceUnavailable(`Compute service of ${inst.host} is unavailable at this time.`, { host: inst.host });
    // An xvpvnc console is the guest's VNC server, reached through nova-xvpvncproxy.
    return this.deps.compute.get_console_endpoint(ctx, { instance: inst, console_type: type === 'xvpvnc' ? 'novnc' : type });
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
    checkLock(ctx, inst);
    return this.db.instances.update(inst.uuid, changes);
  }

  async getConsoleOutput(ctx: RequestContext, inst: InstanceDTO, tailLength: number | null): Promise<string> {
    if (!inst.host || inst.vm_state === VmState.BUILDING) throw InstanceInvalidState.of(inst.uuid, 'vm_state', inst.vm_state, 'get_console_output');
    if (!(await this.hostUp(inst.host))) throw new ComputeServiceUnavailable(`Compute service of ${inst.host} is unavailable at this time.`, { host: inst.host });
    return this.deps.compute.get_console_output(ctx, { instance: inst, tail_length: tailLength });
  }

  async setMetadata(ctx: RequestContext, inst: InstanceDTO, metadata: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    checkLock(ctx, inst);
    const next = replace ? { ...metadata } : { ...inst.metadata, ...metadata };
    if (Object.keys(next).length > 128) throw new Forbidden(`Quota exceeded for metadata_items: Requested ${Object.keys(next).length}, but already used 0 of 128 metadata_items`);
    const updated = await this.db.instances.update(inst.uuid, { metadata: next, updated_at: dbTime() });
    return updated.metadata;
  }

  /** InstanceInvalidState unless the server's tags may change now (`method` names the action, e.g. 'update tag'). */
  assertTaggable(inst: InstanceDTO, method: string): void {
    checkState(inst, method, TAGGABLE, null);
  }

  /** A guarded write of the tags column (see InstanceRepository.updateTags); a state change in between is InstanceInvalidState. */
  private async writeTags(inst: InstanceDTO, method: string, change: (current: readonly string[]) => readonly string[]): Promise<string[]> {
    this.assertTaggable(inst, method);
    const r = await this.db.instances.updateTags(inst.uuid, TAGGABLE, change);
    if ('refusedIn' in r) throw InstanceInvalidState.of(inst.uuid, 'vm_state', r.refusedIn, method);
    return r.tags;
  }

  /** Replace all tags; answers them as stored: unique and sorted, as Nova's tags table lists them. */
  setTags(inst: InstanceDTO, tags: readonly string[], method = 'update tags'): Promise<string[]> {
    const next = [...new Set(tags)].sort();
    return this.writeTags(inst, method, () => next);
  }

  /** Add one tag (400 past {@link MAX_TAGS}, counted before the tag itself, as Nova); true when it was not there yet. */
  async addTag(inst: InstanceDTO, tag: string): Promise<boolean> {
    let added = false;
    await this.writeTags(inst, 'update tag', (current) => {
      if (current.length >= MAX_TAGS) throw new Invalid(`The number of tags exceeded the per-server limit ${MAX_TAGS}`);
      added = !current.includes(tag);
      return added ? [...current, tag].sort() : current;
    });
    return added;
  }

  /** Remove one tag (404 when the server does not have it). */
  async removeTag(inst: InstanceDTO, tag: string): Promise<void> {
    await this.writeTags(inst, 'delete tag', (current) => {
      if (!current.includes(tag)) throw new NotFound(`Instance ${inst.uuid} has no tag '${tag}'`);
      return current.filter((t) => t !== tag);
    });
  }

  async deleteMetadataItem(ctx: RequestContext, inst: InstanceDTO, key: string): Promise<void> {
    checkLock(ctx, inst);
    const next = { ...inst.metadata };
    delete next[key];
    await this.db.instances.update(inst.uuid, { metadata: next });
  }
}
