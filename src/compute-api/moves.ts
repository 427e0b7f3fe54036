/**
 * Moving servers, as nova-api's part of it (nova.compute.api.API resize,
 * confirm_resize, revert_resize, live_migrate, evacuate and the
 * server-migration operations): check the instance, record the migration
 * and the action, put the instance in its task state, then hand the move to
 * nova-conductor (which schedules it) or to the compute host concerned.
 */
import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { ConductorAPI } from '../conductor/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { Invalid, NotFound } from '../exception/base.ts';
import { InstanceInvalidState } from '../exception/instance.ts';
import { MigrationNotFound } from '../exception/migration.ts';
import { ComputeHostNotFound, ComputeServiceUnavailable, FlavorNotFound } from '../exception/resources.ts';
import type { FlavorSnapshot, InstanceDTO } from '../objects/instance.ts';
import type { MigrationDTO } from '../objects/migration.ts';
import { TaskState, VmState } from '../objects/states.ts';
import { serviceIsUp } from '../service/servicegroup.ts';
import { flavorSnapshot, type QuotaChecker } from './create.ts';
import { begin, checkLock, checkState, requireCapability } from './guards.ts';

export interface MoveApiDeps {
  readonly conf: NovaConfig;
  readonly db: DbApi;
  readonly conductor: ConductorAPI;
  readonly compute: ComputeAPI;
  readonly quota?: QuotaChecker;
}

/** Live migrations still running (Nova's in-progress statuses for server migrations). */
export const LIVE_IN_PROGRESS = ['queued', 'preparing', 'running', 'post-migrating'];

/** 400: Nova's CannotResizeDisk. */
export class CannotResizeDisk extends Invalid {
  static because(reason: string): CannotResizeDisk {
    return new CannotResizeDisk(`Server disk was unable to be resized because: ${reason}`);
  }
}

/** 400: the migration is not in a state that allows the operation (Nova's InvalidMigrationState). */
export class InvalidMigrationState extends Invalid {
  static of(m: MigrationDTO, method: string): InvalidMigrationState {
    return new InvalidMigrationState(`Migration ${m.id} state of instance ${m.instance_uuid} is ${m.status}. Cannot ${method} while the migration is in this state.`);
  }
}

/** 400: Nova's CannotMigrateToSameHost. */
export class CannotMigrateToSameHost extends Invalid {}

/** 400: Nova's CannotResizeToSameFlavor. */
export class CannotResizeToSameFlavor extends Invalid {}

/** 404: Nova's MigrationNotFoundForInstance. */
export class MigrationNotFoundForInstance extends NotFound {
  static of(id: string | number, uuid: string): MigrationNotFoundForInstance {
    return new MigrationNotFoundForInstance(`Migration ${id} not found for instance ${uuid}`);
  }
}

export class ServerMoves {
  constructor(private readonly d: MoveApiDeps) {}

  private async hostUp(host: string | null): Promise<boolean> {
    if (!host) return false;
    const s = await this.d.db.services.findByHostAndBinary(host, 'nova-compute');
    return s !== null && serviceIsUp(s, this.d.conf.DEFAULT.service_down_time);
  }

  /** Nova's check_instance_host(check_is_up=True). */
  private async requireHostUp(inst: InstanceDTO): Promise<void> {
    if (!(await this.hostUp(inst.host))) throw new ComputeServiceUnavailable('Service is unavailable at this time.', { host: inst.host });
  }

  /** A compute host that exists (a node and a nova-compute service). */
  private async requireComputeHost(host: string): Promise<void> {
    const nodes = await this.d.db.computeNodes.listByHost(host);
    if (nodes.length === 0) throw ComputeHostNotFound.of(host);
  }

  private newMigration(ctx: RequestContext, inst: InstanceDTO, type: string, status: string, newFlavorId: number | null): Promise<MigrationDTO> {
    return this.d.db.migrations.create({
      instance_uuid: inst.uuid,
      source_compute: inst.host,
      source_node: inst.node,
      dest_compute: null,
      dest_node: null,
      dest_host: null,
      old_instance_type_id: inst.instance_type_id,
      new_instance_type_id: newFlavorId ?? inst.instance_type_id,
      status,
      migration_type: type,
      user_id: ctx.user_id,
      project_id: ctx.project_id,
      memory_total: null,
      memory_processed: null,
      memory_remaining: null,
      disk_total: null,
      disk_processed: null,
      disk_remaining: null,
    });
  }

  /**
   * Resize to `flavorId`, or cold-migrate (no flavor; `host` from 2.56).
   * The host keeps serving the instance until the destination is ready.
   */
  async resize(ctx: RequestContext, inst: InstanceDTO, o: { flavorId: string | null; host: string | null; autoDiskConfig?: boolean | null }): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, o.flavorId ? 'resize' : 'migrate', [VmState.ACTIVE, VmState.STOPPED], [null]);
    await this.requireHostUp(inst);
    if (o.host) {
      if (o.host === inst.host) throw new CannotMigrateToSameHost('Cannot migrate to the host where the server exists.');
      await this.requireComputeHost(o.host);
    }
    await requireCapability(this.d.db, inst, 'supports_migrate');
    const current = inst.flavor;
    let next: FlavorSnapshot = current;
    if (o.flavorId) {
      const f = await this.d.db.flavors.getByFlavorId(o.flavorId);
      if (f.root_gb === 0 && current.root_gb !== 0) throw CannotResizeDisk.because('Resize to zero disk flavor is not allowed.');
      if (f.id !== current.id && f.disabled) throw FlavorNotFound.of(o.flavorId);
      if (f.id === current.id) throw new CannotResizeToSameFlavor('When resizing, instances must change flavor!');
      next = flavorSnapshot(f);
      await this.d.quota?.checkDelta(ctx, inst.project_id, inst.user_id ?? '', { cores: next.vcpus - current.vcpus, ram: next.memory_mb - current.memory_mb });
    }
    const kind = o.flavorId ? 'resize' : 'migrate';
    const migration = await this.newMigration(ctx, inst, o.flavorId ? 'resize' : 'migration', 'pre-migrating', next.id);
    const i = await begin(this.d.db, ctx, inst, kind, kind, TaskState.RESIZE_PREP, [null], {
      progress: 0,
      new_flavor: next,
      ...(o.autoDiskConfig === undefined || o.autoDiskConfig === null ? {} : { auto_disk_config: o.autoDiskConfig }),
      system_metadata: { ...inst.system_metadata, old_vm_state: inst.vm_state, image_base_image_ref: inst.image_ref },
    });
    await this.d.conductor.migrate_server(ctx, {
      instance: i,
      migration_uuid: migration.uuid,
      flavor: next,
      requested_destination: o.host ? { host: o.host } : null,
      clean_shutdown: true,
    });
  }

  /** The instance's migration with `status`, or Nova's 400 "Instance has not been resized." */
  private async finished(inst: InstanceDTO): Promise<MigrationDTO> {
    const [m] = await this.d.db.migrations.list({ instance_uuid: inst.uuid, status: ['finished'] });
    if (!m) throw new Invalid('Instance has not been resized.');
    return m;
  }

  async confirmResize(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'confirmResize', [VmState.RESIZED], null);
    const m = await this.finished(inst);
    if (!(await this.hostUp(m.source_compute))) throw new ComputeServiceUnavailable('Service is unavailable at this time.', { host: m.source_compute });
    const migration = await this.d.db.migrations.update(m.uuid, { status: 'confirming' });
    await this.d.db.history.startAction({ action: 'confirmResize', instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
    await this.d.compute.confirm_resize(ctx, { host: migration.source_compute ?? '', instance: inst, migration });
  }

  /**
   * Deleting a resized instance confirms its resize first (Nova's
   * _confirm_resize_on_deleting): the source drops the old guest and the
   * claim its migration holds. With the source down that claim goes here.
   */
  async confirmOnDeleting(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    if (inst.vm_state !== VmState.RESIZED) return;
    const [m] = await this.d.db.migrations.list({ instance_uuid: inst.uuid, status: ['finished', 'confirming'] });
    if (!m) return;
    await this.d.db.history.startAction({ action: 'confirmResize', instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
    if (await this.hostUp(m.source_compute)) {
      await this.d.compute.confirm_resize(ctx, { host: m.source_compute ?? '', instance: inst, migration: await this.d.db.migrations.update(m.uuid, { status: 'confirming' }) });
      return;
    }
    await this.d.db.computeNodes.release(m.uuid);
    await this.d.db.migrations.update(m.uuid, { status: 'confirmed' });
  }

  async revertResize(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'revertResize', [VmState.RESIZED], null);
    const m = await this.finished(inst);
    const i = await begin(this.d.db, ctx, inst, 'revertResize', 'revertResize', TaskState.RESIZE_REVERTING, [null]);
    const migration = await this.d.db.migrations.update(m.uuid, { status: 'reverting' });
    await this.d.compute.revert_resize(ctx, { host: migration.dest_compute ?? '', instance: i, migration });
  }

  /** os-migrateLive: to `host` (checked, or forced past the scheduler when `force`) or where the scheduler chooses. */
  async liveMigrate(ctx: RequestContext, inst: InstanceDTO, o: { host: string | null; blockMigration: boolean; force: boolean }): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'os-migrateLive', [VmState.ACTIVE, VmState.PAUSED], [null]);
    await this.requireHostUp(inst);
    await requireCapability(this.d.db, inst, 'supports_live_migration');
    if (o.host) {
      await this.requireComputeHost(o.host);
      if (o.host === inst.host) throw new Invalid(`Unable to migrate instance (${inst.uuid}) to current host (${inst.host}).`);
    }
    const migration = await this.newMigration(ctx, inst, 'live-migration', 'accepted', null);
    const i = await begin(this.d.db, ctx, inst, 'live-migration', 'os-migrateLive', TaskState.MIGRATING, [null]);
    await this.d.conductor.live_migrate_instance(ctx, { instance: i, migration_uuid: migration.uuid, host: o.host, force: o.force, block_migration: o.blockMigration });
  }

  /** evacuate: only while the instance's host is down; to `host` or where the scheduler chooses. */
  async evacuate(ctx: RequestContext, inst: InstanceDTO, o: { host: string | null; force: boolean; adminPass: string | null }): Promise<void> {
    if (o.host) {
      const nodes = await this.d.db.computeNodes.listByHost(o.host);
      if (nodes.length === 0) throw new NotFound(`Compute host ${o.host} not found.`);
    }
    if (o.host === inst.host) throw new Invalid("The target host can't be the same one.");
    checkState(inst, 'evacuate', [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR], [null]);
    if (await this.hostUp(inst.host)) throw new Invalid(`Compute service of ${inst.host} is still in use.`);
    await requireCapability(this.d.db, inst, 'supports_evacuate');
    const migration = await this.newMigration(ctx, inst, 'evacuation', 'accepted', null);
    const i = await begin(this.d.db, ctx, inst, 'evacuate', 'evacuate', TaskState.REBUILDING, [null]);
    await this.d.conductor.evacuate_instance(ctx, { instance: i, migration_uuid: migration.uuid, host: o.host, force: o.force, admin_password: o.adminPass });
  }

  /** A live migration of the instance by its id (the API's migration ids are the integer ids). */
  async liveMigrationOf(inst: InstanceDTO, id: string): Promise<MigrationDTO> {
    const n = Number(id);
    const [m] = Number.isSafeInteger(n) ? (await this.d.db.migrations.list({ instance_uuid: inst.uuid })).filter((x) => x.id === n) : [];
    if (!m) throw MigrationNotFoundForInstance.of(id, inst.uuid);
    return m;
  }

  /** The instance's live migrations in progress (GET /servers/{id}/migrations). */
  inProgress(inst: InstanceDTO): Promise<MigrationDTO[]> {
    return this.d.db.migrations.list({ instance_uuid: inst.uuid, migration_type: 'live-migration', status: LIVE_IN_PROGRESS });
  }

  async forceComplete(ctx: RequestContext, inst: InstanceDTO, id: string): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'force_complete', [VmState.ACTIVE], [TaskState.MIGRATING]);
    const m = await this.liveMigrationOf(inst, id);
    if (m.status !== 'running') throw InvalidMigrationState.of(m, 'force complete');
    await this.d.db.history.startAction({
      action: 'live_migration_force_complete',
      instance_uuid: inst.uuid,
      request_id: ctx.request_id,
      user_id: ctx.user_id,
      project_id: ctx.project_id,
    });
    await this.d.compute.live_migration_force_complete(ctx, { instance: inst, migration: m });
  }

  /** DELETE /servers/{id}/migrations/{mid}: abort (a running one; from 2.65 also a queued or preparing one). */
  async abortLiveMigration(ctx: RequestContext, inst: InstanceDTO, id: string, inQueueToo: boolean): Promise<void> {
    checkLock(ctx, inst);
    if (inst.task_state !== TaskState.MIGRATING) throw InstanceInvalidState.of(inst.uuid, 'task_state', inst.task_state, 'abort live migration');
    const m = await this.liveMigrationOf(inst, id);
    const allowed = inQueueToo ? ['running', 'queued', 'preparing'] : ['running'];
    if (!allowed.includes(m.status)) throw InvalidMigrationState.of(m, 'abort live migration');
    await this.d.db.history.startAction({
      action: 'live_migration_cancel',
      instance_uuid: inst.uuid,
      request_id: ctx.request_id,
      user_id: ctx.user_id,
      project_id: ctx.project_id,
    });
    await this.d.compute.live_migration_abort(ctx, { instance: inst, migration: m });
  }
}

export { MigrationNotFound };
