/**
 * Checks the image, shelve, rescue and admin actions share besides those
 * of guards.ts: Nova's must_have_launched, an image service being there,
 * and the guarded start of an action on an instance that may have no host
 * (an offloaded or soft-deleted one).
 */
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { NotImplementedYet } from '../exception/base.ts';
import { InstanceInvalidState, UnexpectedTaskStateError } from '../exception/instance.ts';
import type { InstanceDTO, InstanceUpdate } from '../objects/instance.ts';
import type { SnapshotImages } from './snapshot-images.ts';

/** Nova's check_instance_state(must_have_launched=True): an instance that never booted refuses the action. */
export function checkLaunched(inst: InstanceDTO, method: string): void {
  if (!inst.launched_at) throw InstanceInvalidState.of(inst.uuid, 'launched_at', null, method);
}

/** The image service nova-api writes snapshots to, or a clear refusal (501) when none is configured. */
export function requireImageService(images: SnapshotImages | undefined, action: string): SnapshotImages {
  if (!images) throw new NotImplementedYet(`${action} needs an image service, and none is configured ([glance] api_servers is empty).`, { action });
  return images;
}

/**
 * Put the instance in `taskState` (guarded by the task state the checks
 * saw and its vm_state, so of two concurrent actions one wins) with any
 * other changes, and record the instance action. Unlike guards.begin, an
 * instance without a host is fine.
 */
export async function startAction(
  db: DbApi,
  ctx: RequestContext,
  inst: InstanceDTO,
  o: { action: string; method: string; changes: InstanceUpdate; expected?: readonly (string | null)[] },
): Promise<InstanceDTO> {
  let updated: InstanceDTO;
  try {
    updated = await db.instances.update(inst.uuid, o.changes, { expectedTaskState: o.expected ?? [null], expectedVmState: [inst.vm_state] });
  } catch (e) {
    if (e instanceof UnexpectedTaskStateError) {
      const now = await db.instances.get(inst.uuid);
      if (now.vm_state !== inst.vm_state) throw InstanceInvalidState.of(inst.uuid, 'vm_state', now.vm_state, o.method);
      throw InstanceInvalidState.of(inst.uuid, 'task_state', now.task_state, o.method);
    }
    throw e;
  }
  await db.history.startAction({ action: o.action, instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
  return updated;
}
