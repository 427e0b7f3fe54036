/**
 * shelve, shelveOffload and unshelve, nova-api's part (Nova's
 * compute.api.API shelve, shelve_offload, unshelve): the checks, the
 * "<name>-shelved" image record, the task state, and the message to the
 * instance's host (shelve, offload) or to nova-conductor (unshelve, which
 * schedules an offloaded instance with its RequestSpec).
 */
import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { ConductorAPI } from '../conductor/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { Invalid } from '../exception/base.ts';
import { UnshelveHostNotInAZ, UnshelveInstanceInvalidState } from '../exception/lifecycle.ts';
import { ComputeHostNotFound } from '../exception/resources.ts';
import type { Logger } from '../log.ts';
import { zonesByHost } from '../objects/aggregate.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { requestSpecFromInstance } from '../objects/request-spec.ts';
import { TaskState, VmState } from '../objects/states.ts';
import { begin, checkLock, checkState, requireCapability } from './guards.ts';
import { checkLaunched, requireImageService, startAction } from './lifecycle-guards.ts';
import { type SnapshotImages, snapshotRecord } from './snapshot-images.ts';

export interface ShelveApiDeps {
  readonly conf: NovaConfig;
  readonly db: DbApi;
  readonly compute: ComputeAPI;
  readonly conductor: ConductorAPI;
  readonly log: Logger;
  readonly snapshots?: SnapshotImages;
}

/** What unshelve was asked for (from 2.77 and 2.91). */
export interface UnshelveOptions {
  /** Absent: keep the zone the server is pinned to; null (2.91): unpin it; a name: pin it there. */
  readonly availabilityZone?: string | null;
  /** A host to unshelve to (2.91, admin). */
  readonly host?: string | null;
  /** Called before a host is looked at (the unshelve_to_host policy), where Nova checks it. */
  readonly mayTargetHost?: () => void;
}

const SHELVABLE: readonly string[] = [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED];

export class ServerShelve {
  constructor(private readonly d: ShelveApiDeps) {}

  async shelve(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'shelve', SHELVABLE, [null]);
    checkLaunched(inst, 'shelve');
    const images = requireImageService(this.d.snapshots, 'shelve');
    await requireCapability(this.d.db, inst, 'supports_snapshot');
    // image_base_image_ref is kept for unshelve and rebuild (as Nova ensures).
    const i = await begin(this.d.db, ctx, inst, 'shelve', 'shelve', TaskState.SHELVING, [null], {
      system_metadata: { ...inst.system_metadata, image_base_image_ref: inst.image_ref },
    });
    let imageId: string;
    try {
      ({ id: imageId } = await images.create(ctx, snapshotRecord(ctx, i, `${inst.display_name ?? ''}-shelved`, 'snapshot')));
    } catch (e) {
      await this.d.db.instances.update(inst.uuid, { task_state: null }, { expectedTaskState: [TaskState.SHELVING] }).catch(() => undefined);
      throw e;
    }
    await this.d.compute.shelve_instance(ctx, { instance: i, image_id: imageId, clean_shutdown: true });
  }

  /** Free the host of a shelved instance now (admin). */
  async shelveOffload(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'shelve_offload', [VmState.SHELVED], [null]);
    checkLaunched(inst, 'shelve_offload');
    const i = await begin(this.d.db, ctx, inst, 'shelveOffload', 'shelve_offload', TaskState.SHELVING_OFFLOADING, [null]);
    await this.d.compute.shelve_offload_instance(ctx, { instance: i, clean_shutdown: true });
  }

  async unshelve(ctx: RequestContext, inst: InstanceDTO, o: UnshelveOptions = {}): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'unshelve', [VmState.SHELVED, VmState.SHELVED_OFFLOADED], [null]);
    checkLaunched(inst, 'unshelve');
    const stored = (await this.d.db.requestSpecs.get(inst.uuid))?.spec ?? requestSpecFromInstance(inst);
    const zonePassed = o.availabilityZone !== undefined;
    const host = o.host ?? null;
    // A zone or a host only goes with an offloaded server: a shelved one still has its host.
    if ((zonePassed || host) && inst.vm_state !== VmState.SHELVED_OFFLOADED) throw UnshelveInstanceInvalidState.of(inst.uuid, inst.vm_state);
    const zones = zonePassed || host ? zonesByHost(await this.d.db.aggregates.list()) : new Map<string, string>();
    if (zonePassed && o.availabilityZone && !(await this.availableZones(zones)).has(o.availabilityZone)) {
      throw new Invalid('The requested availability zone is not available');
    }
    const zone = zonePassed ? (o.availabilityZone ?? null) : stored.availability_zone;
    if (host) {
      o.mayTargetHost?.();
      if ((await this.d.db.computeNodes.listByHost(host)).length === 0) throw ComputeHostNotFound.of(host);
      const hostZone = zones.get(host) ?? this.d.conf.DEFAULT.default_availability_zone;
      if (zone !== null && hostZone !== zone) throw UnshelveHostNotInAZ.of(host, zone);
    }
    // The zone drives the scheduling from now on (also when it fails, as in Nova).
    if (zone !== stored.availability_zone) await this.d.db.requestSpecs.saveFor({ ...stored, availability_zone: zone });
    const i = await startAction(this.d.db, ctx, inst, { action: 'unshelve', method: 'unshelve', changes: { task_state: TaskState.UNSHELVING } });
    await this.d.conductor.unshelve_instance(ctx, { instance: i, availability_zone: zone, host });
  }

  /** Zones with an enabled nova-compute (Nova's get_availability_zones(get_only_available=True)). */
  private async availableZones(zones: ReadonlyMap<string, string>): Promise<Set<string>> {
    const services = await this.d.db.services.list({ binary: 'nova-compute' });
    return new Set(services.filter((s) => !s.disabled).map((s) => zones.get(s.host) ?? this.d.conf.DEFAULT.default_availability_zone));
  }
}
