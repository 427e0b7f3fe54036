/**
 * os-volume_attachments, nova-api's part (Nova's compute.api.API
 * attach_volume, detach_volume, swap_volume and _check_attach_and_reserve_volume):
 * the lock and state checks, the host's capability, the volume looked up
 * (VolumeNotFound), not attached already (InvalidVolume 'volume X is
 * already attached to instances: …' / 'volume X already attached'), in the
 * instance's zone unless [cinder] cross_az_attach; then the device name and
 * mapping reserved on the host (call), the volume reserved for the instance
 * (an attachment without a connector: the volume service's refusal is
 * InvalidInput), the instance action, and the attach cast. Detach casts
 * the detach with the instance's attachment.
 */

import type { CinderClient, CinderVolume } from '../clients/cinder.ts';
import { ABSENT_VOLUME_SERVICE } from '../clients/cinder-absent.ts';
import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { InstanceInvalidState } from '../exception/instance.ts';
import { InvalidVolume } from '../exception/volume.ts';
import type { BlockDeviceMappingDTO } from '../objects/block-device.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { VmState } from '../objects/states.ts';
import { checkLock, checkState, requireCapability } from './guards.ts';

export interface VolumeApiDeps {
  readonly conf: NovaConfig;
  readonly db: DbApi;
  readonly compute: ComputeAPI;
  readonly volume?: CinderClient | undefined;
}

/** The vm_states a volume may be attached or detached in (Nova's check_instance_state of attach_volume; shelved ones need a host here). */
const ATTACHABLE: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED, VmState.RESIZED, VmState.SOFT_DELETED, VmState.SHELVED, VmState.SHELVED_OFFLOADED];
/** swap_volume's states. */
const SWAPPABLE: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.RESIZED];

export interface AttachVolumeRequest {
  volumeId: string;
  device: string | null;
  tag: string | null;
  deleteOnTermination: boolean;
}

export class ServerVolumes {
  constructor(private readonly d: VolumeApiDeps) {}

  /** The volume service as the caller; without one, a service where no volume exists. */
  get volume(): CinderClient {
    return this.d.volume ?? ABSENT_VOLUME_SERVICE;
  }

  private async startAction(ctx: RequestContext, inst: InstanceDTO, action: string): Promise<void> {
    await this.d.db.history.startAction({ action, instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
  }

  /** _check_volume_already_attached. */
  private async checkNotAttached(inst: InstanceDTO, volume: CinderVolume): Promise<void> {
    const bdms = await this.d.db.blockDevices.listByVolume(volume.id);
    if (!bdms.length) return;
    if (!volume.multiattach) throw InvalidVolume.of(`volume ${volume.id} is already attached to instances: ${bdms.map((b) => b.instance_uuid).join(' ')}`);
    if (bdms.some((b) => b.instance_uuid === inst.uuid)) throw InvalidVolume.of(`volume ${volume.id} already attached`);
  }

  /** check_availability_zone: with cross_az_attach off the volume must be in the instance's zone. */
  private checkZone(inst: InstanceDTO, volume: CinderVolume): void {
    if (this.d.conf.cinder.cross_az_attach) return;
    const zone = inst.availability_zone;
    if (zone && volume.availability_zone !== zone) {
      throw InvalidVolume.of(
        `Instance ${inst.uuid} and volume ${volume.id} are not in the same availability_zone. Instance is in ${zone}. Volume is in ${volume.availability_zone}`,
      );
    }
  }

  /** attach_volume: the mapping of the volume (its device name) once the attach is on its way. */
  async attach(ctx: RequestContext, inst: InstanceDTO, r: AttachVolumeRequest): Promise<BlockDeviceMappingDTO> {
    checkLock(ctx, inst);
    checkState(inst, 'attach_volume', ATTACHABLE, null);
    if (!inst.host) throw InstanceInvalidState.of(inst.uuid, 'vm_state', inst.vm_state, 'attach_volume');
    await requireCapability(this.d.db, inst, 'supports_attach_volume');
    const volume = await this.volume.getVolume(ctx, r.volumeId);
    await this.checkNotAttached(inst, volume);
    this.checkZone(inst, volume);
    const bdm = await this.d.compute.reserve_block_device_name(ctx, {
      instance: inst,
      volume_id: volume.id,
      device: r.device,
      tag: r.tag,
      delete_on_termination: r.deleteOnTermination,
      disk_bus: null,
      device_type: null,
    });
    let reserved: BlockDeviceMappingDTO;
    try {
      const attachment = await this.volume.attachmentCreate(ctx, volume.id, inst.uuid);
      reserved = await this.d.db.blockDevices.update(bdm.uuid, { attachment_id: attachment.id });
    } catch (e) {
      await this.d.db.blockDevices.destroy(bdm.uuid);
      throw e;
    }
    await this.startAction(ctx, inst, 'attach_volume');
    await this.d.compute.attach_volume(ctx, { instance: inst, bdm: reserved });
    return reserved;
  }

  /** detach_volume: the instance's attachment of the volume, detached on the host. */
  async detach(ctx: RequestContext, inst: InstanceDTO, volume: CinderVolume, bdm: BlockDeviceMappingDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'detach_volume', ATTACHABLE, null);
    if (!inst.host) throw InstanceInvalidState.of(inst.uuid, 'vm_state', inst.vm_state, 'detach_volume');
    const attachment = volume.attachments.find((a) => a.server_id === inst.uuid)?.attachment_id ?? bdm.attachment_id;
    await this.startAction(ctx, inst, 'detach_volume');
    await this.d.compute.detach_volume(ctx, { instance: inst, volume_id: volume.id, attachment_id: attachment ?? null });
  }

  /**
   * _local_cleanup_bdm_volumes: an instance deleted without its host (never
   * scheduled, or the host down): its attachments deleted, its
   * delete_on_termination volumes deleted, its mappings gone; a failure is
   * logged and the next volume handled.
   */
  async localCleanup(ctx: RequestContext, instanceUuid: string, log: (volumeId: string | null, e: unknown) => void): Promise<void> {
    for (const b of await this.d.db.blockDevices.listByInstance(instanceUuid)) {
      try {
        if (b.volume_id && b.attachment_id) await this.volume.attachmentDelete(ctx, b.attachment_id);
        if (b.volume_id && b.delete_on_termination) await this.volume.deleteVolume(ctx, b.volume_id);
      } catch (e) {
        log(b.volume_id, e);
      }
      await this.d.db.blockDevices.destroy(b.uuid);
    }
  }

  /** swap_volume's checks; the volume service never migrates volumes here, so Nova's 'not migrating' refusal comes first (the API's). */
  checkSwap(ctx: RequestContext, inst: InstanceDTO): void {
    checkLock(ctx, inst);
    checkState(inst, 'swap_volume', SWAPPABLE, null);
  }
}
