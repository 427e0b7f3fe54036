/**
 * Snapshots of a guest into the image service (Nova's snapshot_instance,
 * backup_instance and the snapshot step of shelve): nova-api created the
 * image record (queued); here the driver writes the guest's disk into a sink
 * that uploads it through the image service, with Nova's task states
 *
 *   createImage:  image_snapshot_pending → image_snapshot → image_pending_upload → image_uploading → none
 *   createBackup: image_backup → image_pending_upload → image_uploading → none, then the rotation
 *   shelve:       shelving → shelving_image_pending_upload → shelving_image_uploading
 *
 * A failed snapshot deletes its image, records a fault and clears the task
 * state (Nova's delete_image_on_error, wrap_instance_fault,
 * reverts_task_state); an instance deleted meanwhile just ends it.
 */
import type { Readable } from 'node:stream';
import type { RequestContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import { InstanceNotFound, InstanceNotRunning } from '../exception/instance.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { TaskState } from '../objects/states.ts';
import type { ImageSink } from '../virt/driver-moves.ts';
import { ComputeOps, errorText } from './ops.ts';
import type { ComputeArgs } from './rpc-types.ts';

/** The task states a snapshot goes through: the one it starts in, then while waiting for the upload and while uploading. */
export interface SnapshotStates {
  readonly from: string;
  readonly pending: string;
  readonly uploading: string;
}

const SNAPSHOT: SnapshotStates = { from: TaskState.IMAGE_SNAPSHOT, pending: TaskState.IMAGE_PENDING_UPLOAD, uploading: TaskState.IMAGE_UPLOADING };
const BACKUP: SnapshotStates = { from: TaskState.IMAGE_BACKUP, pending: TaskState.IMAGE_PENDING_UPLOAD, uploading: TaskState.IMAGE_UPLOADING };
export const SHELVE_SNAPSHOT: SnapshotStates = {
  from: TaskState.SHELVING,
  pending: TaskState.SHELVING_IMAGE_PENDING_UPLOAD,
  uploading: TaskState.SHELVING_IMAGE_UPLOADING,
};

/** No image service is configured for this nova-compute. */
export class NoImageService extends NovaError {
  override readonly status = 503;
}

/**
 * Write the guest's disk into image `imageId`, moving the task state along
 * `states` (each move guarded by the one before). Resolves once the image
 * is uploaded; the instance is left in `states.uploading`.
 */
export async function uploadSnapshot(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO, imageId: string, states: SnapshotStates): Promise<void> {
  const images = ops.images;
  if (!images) throw new NoImageService(`nova-compute on ${ops.host} has no image service to upload the snapshot to ([glance] api_servers is empty).`);
  await ops.update(ctx, inst.uuid, { task_state: states.pending }, [states.from]);
  const sink: ImageSink = {
    upload: async (data: Readable, diskFormat) => {
      await ops.update(ctx, inst.uuid, { task_state: states.uploading }, [states.pending]);
      await images.upload(ctx, imageId, data, diskFormat);
    },
  };
  const started = Date.now();
  await ops.driver.snapshot(inst, sink);
  ops.log.info({ instance: inst.uuid, image: imageId, ms: Date.now() - started }, 'snapshot uploaded');
}

/** Delete a snapshot's image after a failure (an image already gone is fine); never hides the failure. */
export function dropImage(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO, imageId: string): Promise<void> {
  return ops.images?.delete(ctx, imageId).catch(ops.logFailure(inst.uuid, `delete image ${imageId} of the failed snapshot`)) ?? Promise.resolve();
}

/** createImage / createBackup on this host. */
export function snapshotInstance(ops: ComputeOps, ctx: RequestContext, args: ComputeArgs<'snapshot_instance'>): Promise<void> {
  const { instance, image_id: imageId, backup } = args;
  const event = backup ? 'compute_backup_instance' : 'compute_snapshot_instance';
  return ops.working(instance.uuid, async () => {
    try {
      let inst = instance;
      // createImage: the API left image_snapshot_pending (a restarted host may have cleared it: Nova sets it again).
      if (!backup) inst = await ops.update(ctx, inst.uuid, { task_state: TaskState.IMAGE_SNAPSHOT }, [TaskState.IMAGE_SNAPSHOT_PENDING]);
      const states = backup ? BACKUP : SNAPSHOT;
      let uploaded = false;
      await ops
        .event(ctx, inst, event, async () => {
          await uploadSnapshot(ops, ctx, inst, imageId, states);
          await ops.update(ctx, inst.uuid, { task_state: null }, [states.uploading]);
          uploaded = true;
          // The image is kept from here on, also when the rotation fails (recorded as the event's error and a fault).
          if (backup) await rotateBackups(ops, ctx, inst, backup.type, backup.rotation);
        })
        .catch((e: unknown) => {
          if (uploaded) return ops.fault(ctx, inst, e, 'backup rotation');
          throw e;
        });
      ops.log.info({ instance: inst.uuid, image: imageId, backup: backup?.type ?? null }, backup ? 'backup done' : 'snapshot done');
    } catch (e) {
      await dropImage(ops, ctx, instance, imageId);
      if (ComputeOps.changedMeanwhile(e) || e instanceof InstanceNotRunning) {
        // Deleted (or being deleted) meanwhile: nothing to record (Nova: "Instance disappeared during snapshot").
        ops.log.info({ instance: instance.uuid, err: errorText(e) }, 'instance changed during the snapshot');
        if (!(e instanceof InstanceNotFound)) await clearTaskState(ops, ctx, instance);
        return;
      }
      ops.log.error({ instance: instance.uuid, image: imageId, err: errorText(e) }, 'snapshot failed');
      await ops.fault(ctx, instance, e, backup ? 'backup' : 'snapshot');
      await clearTaskState(ops, ctx, instance);
    }
  });
}

/** Nova's reverts_task_state: the task state goes back to none unless the instance is being deleted. */
async function clearTaskState(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO): Promise<void> {
  const now = await ops.conductor.instance_get(ctx, { uuid: inst.uuid }).catch(() => null);
  if (!now || now.task_state === TaskState.DELETING || now.task_state === TaskState.SOFT_DELETING) return;
  await ops.update(ctx, inst.uuid, { task_state: null }, [now.task_state]).catch(ops.logFailure(inst.uuid, 'clear the task state after the failed snapshot'));
}

/**
 * Nova's _rotate_backups: keep the newest `rotation` backups of this type
 * of the instance (image properties image_type=backup, backup_type,
 * instance_uuid), delete the older ones. Rotation 0 deletes them all.
 */
export async function rotateBackups(ops: ComputeOps, ctx: RequestContext, inst: InstanceDTO, backupType: string, rotation: number): Promise<void> {
  const images = ops.images;
  if (!images) return;
  const found = await images.findByProperties(ctx, { image_type: 'backup', backup_type: backupType, instance_uuid: inst.uuid });
  const excess = found.slice(rotation);
  ops.log.info({ instance: inst.uuid, found: found.length, rotation, deleting: excess.length }, 'rotating backups');
  for (const image of excess) await images.delete(ctx, image.id).catch(ops.logFailure(inst.uuid, `delete backup ${image.id} rotated out`));
}
