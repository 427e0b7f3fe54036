/**
 * createImage and createBackup, nova-api's part (Nova's compute.api.API
 * snapshot and backup): check the instance (no lock check: a lock keeps a
 * server from changes, not from being imaged), create the image record in
 * the image service as the caller, put the instance in its task state and
 * have its host upload the data. Answers the new image's id.
 */
import type { CinderClient } from '../clients/cinder.ts';
import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { TaskState, VmState } from '../objects/states.ts';
import { begin, checkState, requireCapability } from './guards.ts';
import { checkLaunched, requireImageService } from './lifecycle-guards.ts';
import { type SnapshotImages, snapshotRecord } from './snapshot-images.ts';
import { isVolumeBacked, snapshotVolumeBacked } from './volume-backed-snapshot.ts';

export interface SnapshotApiDeps {
  readonly db: DbApi;
  readonly compute: ComputeAPI;
  readonly log: Logger;
  /** Absent without an image service: the actions are refused. */
  readonly snapshots?: SnapshotImages;
  /** The volume service as the caller: a volume-backed server's snapshot is one of its volumes. */
  readonly volume?: CinderClient;
}

/** The vm_states a server may be imaged in. */
const IMAGEABLE: readonly string[] = [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED];

export class ServerSnapshots {
  constructor(private readonly d: SnapshotApiDeps) {}

  /** Where the image service shows an image (Nova's generate_image_url: the createImage Location before 2.45); undefined without one. */
  imageUrl(imageId: string): string | undefined {
    const base = this.d.snapshots?.linkBase;
    return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/images/${imageId}`;
  }

  /** Is the server's root disk a volume (Nova's is_volume_backed_instance)? */
  async isVolumeBacked(inst: InstanceDTO): Promise<boolean> {
    return isVolumeBacked(inst, await this.d.db.blockDevices.listByInstance(inst.uuid));
  }

  /** createImage of a volume-backed server: snapshots of its volumes and an image that refers to them (volume-backed-snapshot.ts). */
  snapshotVolumeBacked(ctx: RequestContext, inst: InstanceDTO, name: string, metadata: Readonly<Record<string, string>>): Promise<{ id: string }> {
    return snapshotVolumeBacked(this.d, ctx, inst, name, metadata);
  }

  /** createImage: a snapshot named `name` with `metadata` among its properties. */
  async snapshot(ctx: RequestContext, inst: InstanceDTO, name: string, metadata: Readonly<Record<string, string>>): Promise<{ id: string }> {
    checkState(inst, 'snapshot', IMAGEABLE, [null]);
    checkLaunched(inst, 'snapshot');
    const images = requireImageService(this.d.snapshots, 'createImage');
    await requireCapability(this.d.db, inst, 'supports_snapshot');
    const image = await images.create(ctx, snapshotRecord(ctx, inst, name, 'snapshot', metadata));
    const i = await this.begin(ctx, inst, image.id, 'createImage', 'snapshot', TaskState.IMAGE_SNAPSHOT_PENDING);
    await this.d.compute.snapshot_instance(ctx, { instance: i, image_id: image.id, backup: null });
    return image;
  }

  /**
   * createBackup: a backup of type `type`; once it is uploaded, the
   * instance's backups of that type beyond the `rotation` newest are
   * deleted (rotation 0: all of them, this one too).
   */
  async backup(ctx: RequestContext, inst: InstanceDTO, o: { name: string; type: string; rotation: number; metadata: Readonly<Record<string, string>> }): Promise<{ id: string }> {
    checkState(inst, 'backup', IMAGEABLE, [null]);
    checkLaunched(inst, 'backup');
    const images = requireImageService(this.d.snapshots, 'createBackup');
    await requireCapability(this.d.db, inst, 'supports_snapshot');
    const image = await images.create(ctx, snapshotRecord(ctx, inst, o.name, 'backup', { ...o.metadata, backup_type: o.type }));
    const i = await this.begin(ctx, inst, image.id, 'createBackup', 'backup', TaskState.IMAGE_BACKUP);
    await this.d.compute.snapshot_instance(ctx, { instance: i, image_id: image.id, backup: { type: o.type, rotation: o.rotation } });
    return image;
  }

  /** Into the task state; an instance that changed meanwhile gets its new image deleted (as Nova). */
  private async begin(ctx: RequestContext, inst: InstanceDTO, imageId: string, action: string, method: string, taskState: string): Promise<InstanceDTO> {
    try {
      return await begin(this.d.db, ctx, inst, action, method, taskState, [null]);
    } catch (e) {
      await this.d.snapshots
        ?.delete(ctx, imageId)
        .catch((err: unknown) => this.d.log.warn({ instance: inst.uuid, image: imageId, err: String(err) }, 'could not delete the image of a snapshot that did not start'));
      throw e;
    }
  }
}
