/**
 * The smaller server actions, nova-api's part (Nova's compute.api.API
 * set_admin_password, trigger_crash_dump, inject_network_info, restore,
 * soft_delete and the admin os-resetState): checks, task states, instance
 * actions, and the message to the instance's host. The deferred delete
 * hooks into ComputeApi.delete: with `[DEFAULT] reclaim_instance_interval`
 * a delete only soft-deletes a server that was launched and whose host is
 * up; a periodic task of that host reclaims it later.
 */
import type { ComputeAPI } from '../compute/rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { NotImplementedYet } from '../exception/base.ts';
import { InstanceNotReady } from '../exception/console.ts';
import { TriggerCrashDumpNotSupported } from '../exception/lifecycle.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { TaskState, VmState } from '../objects/states.ts';
import { serviceIsUp } from '../service/servicegroup.ts';
import { dbTime } from '../util/time.ts';
import { begin, checkLock, checkState, hostLacks } from './guards.ts';
import { checkLaunched, startAction } from './lifecycle-guards.ts';
import type { SnapshotImages } from './snapshot-images.ts';

export interface AdminActionDeps {
  readonly conf: NovaConfig;
  readonly db: DbApi;
  readonly compute: ComputeAPI;
  readonly log: Logger;
  /** Where shelved images are deleted when their server is. */
  readonly snapshots?: SnapshotImages;
}

/** What changePassword answers 501 with when the host's driver cannot (Nova's text). */
export const UNABLE_TO_SET_PASSWORD = 'Unable to set password on instance';

/** Nova's vm_states.ALLOW_TRIGGER_CRASH_DUMP. */
const CRASH_DUMPABLE: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED, VmState.RESIZED, VmState.ERROR];

export class ServerAdminActions {
  constructor(private readonly d: AdminActionDeps) {}

  private async hostUp(host: string | null): Promise<boolean> {
    if (!host) return false;
    const s = await this.d.db.services.findByHostAndBinary(host, 'nova-compute');
    return s !== null && serviceIsUp(s, this.d.conf.DEFAULT.service_down_time);
  }

  /** changePassword: a call, so the host's refusal is the answer (409 InstancePasswordSetFailed, 501 when it cannot). */
  async setAdminPassword(ctx: RequestContext, inst: InstanceDTO, password: string): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'set_admin_password', [VmState.ACTIVE], [null]);
    checkLaunched(inst, 'set_admin_password');
    if (await hostLacks(this.d.db, inst, 'supports_set_admin_password')) throw new NotImplementedYet(UNABLE_TO_SET_PASSWORD, { capability: 'supports_set_admin_password' });
    const i = await begin(this.d.db, ctx, inst, 'changePassword', 'set_admin_password', TaskState.UPDATING_PASSWORD, [null]);
    await this.d.compute.set_admin_password(ctx, { instance: i, password });
  }

  /** trigger_crash_dump (2.17): an NMI through the host's driver. */
  async triggerCrashDump(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    if (!inst.host) throw InstanceNotReady.of(inst.uuid);
    checkState(inst, 'trigger_crash_dump', CRASH_DUMPABLE, [null]);
    checkLaunched(inst, 'trigger_crash_dump');
    if (await hostLacks(this.d.db, inst, 'supports_trigger_crash_dump')) throw TriggerCrashDumpNotSupported.create();
    await this.record(ctx, inst, 'trigger_crash_dump');
    await this.d.compute.trigger_crash_dump(ctx, { instance: inst });
  }

  /** os-resetState (admin): vm_state active or error, task state cleared, recorded as an action that is done at once. */
  async resetState(ctx: RequestContext, inst: InstanceDTO, state: 'active' | 'error'): Promise<void> {
    const action = await this.record(ctx, inst, 'resetState');
    await this.d.db.instances.update(inst.uuid, { vm_state: state === 'active' ? VmState.ACTIVE : VmState.ERROR, task_state: null });
    await this.d.db.history.finishAction(action.id);
  }

  /** injectNetworkInfo (admin). */
  async injectNetworkInfo(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    if (!inst.host) throw InstanceNotReady.of(inst.uuid);
    await this.d.compute.inject_network_info(ctx, { instance: inst });
  }

  /** restore: back from SOFT_DELETED (its host powers it on; without a host it is ACTIVE at once). */
  async restore(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    checkLock(ctx, inst);
    checkState(inst, 'restore', [VmState.SOFT_DELETED], [null]);
    checkLaunched(inst, 'restore');
    if (!inst.host) {
      await startAction(this.d.db, ctx, inst, { action: 'restore', method: 'restore', changes: { vm_state: VmState.ACTIVE, task_state: null, deleted_at: null } });
      return;
    }
    const i = await startAction(this.d.db, ctx, inst, { action: 'restore', method: 'restore', changes: { task_state: TaskState.RESTORING, deleted_at: null } });
    await this.d.compute.restore_instance(ctx, { instance: i });
  }

  /**
   * What ComputeApi.delete does first (after its lock check): a shelved
   * server's image goes (as Nova's _delete); then, unless `force`, with
   * `[DEFAULT] reclaim_instance_interval` > 0 a launched server whose host
   * is up is soft-deleted instead (true: nothing more to do). A server that
   * never launched, has no host or a host that is down is deleted at once.
   */
  async beforeDelete(ctx: RequestContext, inst: InstanceDTO, force: boolean): Promise<boolean> {
    if (inst.vm_state === VmState.SHELVED || inst.vm_state === VmState.SHELVED_OFFLOADED) await this.deleteShelvedImage(ctx, inst);
    if (force || this.d.conf.DEFAULT.reclaim_instance_interval <= 0) return false;
    if (!inst.launched_at || inst.vm_state === VmState.RESIZED || !(await this.hostUp(inst.host))) return false;
    if (inst.task_state === TaskState.DELETING || inst.task_state === TaskState.SOFT_DELETING) {
      this.d.log.info({ instance: inst.uuid }, 'instance is already in deleting state, ignoring this request');
      return true;
    }
    const i = await this.d.db.instances.update(inst.uuid, { task_state: TaskState.SOFT_DELETING, deleted_at: dbTime(), progress: 0 });
    await this.record(ctx, inst, 'delete');
    await this.d.compute.soft_delete_instance(ctx, { instance: i });
    return true;
  }

  private async deleteShelvedImage(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    const imageId = inst.system_metadata.shelved_image_id;
    if (!imageId || !this.d.snapshots) return;
    this.d.log.info({ instance: inst.uuid, image: imageId }, 'deleting the snapshot of a shelved instance');
    await this.d.snapshots
      .delete(ctx, imageId)
      .catch((e: unknown) => this.d.log.warn({ instance: inst.uuid, image: imageId, err: String(e) }, 'failed to delete snapshot from shelved instance'));
  }

  private record(ctx: RequestContext, inst: InstanceDTO, action: string) {
    return this.d.db.history.startAction({ action, instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
  }
}
