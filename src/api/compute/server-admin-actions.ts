/**
 * The smaller server actions, each 202: os-resetState, injectNetworkInfo
 * and the removed resetNetwork (admin_actions.py), changePassword
 * (admin_password.py), trigger_crash_dump (servers.py, 2.17+), restore and
 * forceDelete (deferred_delete.py).
 */
import { NotImplementedYet } from '../../exception/base.ts';
import { InstanceInvalidState, InstanceIsLocked } from '../../exception/instance.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { gone, HttpError, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { validate } from '../validation.ts';
import * as schema from './schemas/server-admin-actions.ts';
import { registerServerAction, registerServerlessAction } from './server-actions.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

const accepted: ApiResponse = { status: 202 };
const target = (inst: InstanceDTO) => ({ project_id: inst.project_id });

/**
 * Where Nova's controller lets a lock through its InstanceInvalidState
 * handler (InstanceIsLocked is one there): a locked server is "in an
 * invalid state for" the action, as Nova words it.
 */
function lockIsInvalidState<T>(action: string, serverId: string, fn: () => Promise<T>): Promise<T> {
  return stateConflicts(action, serverId, async () => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof InstanceIsLocked) throw new InstanceInvalidState(e.message, { instance_uuid: serverId });
      throw e;
    }
  });
}

async function resetState(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const state = validate(schema.resetState, req.body)['os-resetState'].state === 'error' ? 'error' : 'active';
  authorize(req.ctx, 'os_compute_api:os-admin-actions:reset_state', target(inst));
  await d.compute.admin.resetState(req.ctx, inst, state);
  return accepted;
}

async function injectNetworkInfo(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  validate(schema.injectNetworkInfo, req.body);
  authorize(req.ctx, 'os_compute_api:os-admin-actions:inject_network_info', target(inst));
  await stateConflicts('injectNetworkInfo', inst.uuid, () => d.compute.admin.injectNetworkInfo(req.ctx, inst));
  return accepted;
}

async function changePassword(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const password = validate(schema.changePassword, req.body).changePassword.adminPass;
  authorize(req.ctx, 'os_compute_api:os-admin-password', target(inst));
  try {
    await lockIsInvalidState('changePassword', inst.uuid, () => d.compute.admin.setAdminPassword(req.ctx, inst, password));
  } catch (e) {
    // The driver or guest has no way to do it (Nova's NotImplementedError → common.raise_feature_not_supported).
    if (e instanceof NotImplementedYet) throw new HttpError(501, 'Unable to set password on instance');
    throw e;
  }
  return accepted;
}

async function triggerCrashDump(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  if (!atLeast(req.version, '2.17')) throw notFound('The resource could not be found.');
  validate(schema.triggerCrashDump, req.body);
  authorize(req.ctx, 'os_compute_api:servers:trigger_crash_dump', target(inst));
  await stateConflicts('trigger_crash_dump', inst.uuid, () => d.compute.admin.triggerCrashDump(req.ctx, inst));
  return accepted;
}

async function restore(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  validate(schema.restore, req.body);
  authorize(req.ctx, 'os_compute_api:os-deferred-delete:restore', target(inst));
  await lockIsInvalidState('restore', inst.uuid, () => d.compute.admin.restore(req.ctx, inst));
  return accepted;
}

async function forceDelete(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  validate(schema.forceDelete, req.body);
  authorize(req.ctx, 'os_compute_api:os-deferred-delete:force', target(inst));
  await stateConflicts('forceDelete', inst.uuid, () => d.compute.delete(req.ctx, inst, { force: true }));
  return accepted;
}

registerServerAction('os-resetState', resetState);
registerServerAction('injectNetworkInfo', injectNetworkInfo);
// Removed in Nova 23.0.0 (Wallaby) with the Xen driver it worked for: 410 at every microversion, the server not even looked up.
registerServerlessAction('resetNetwork', async () => {
  throw gone();
});
registerServerAction('changePassword', changePassword);
registerServerAction('trigger_crash_dump', triggerCrashDump);
registerServerAction('restore', restore);
registerServerAction('forceDelete', forceDelete);
