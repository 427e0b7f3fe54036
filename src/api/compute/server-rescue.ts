/**
 * rescue and unrescue (nova/api/openstack/compute/rescue.py). rescue
 * answers 200 (not 202, kept for compatibility as in Nova) with the
 * password of the rescue system when `[api] enable_instance_password`;
 * unrescue 202.
 */
import type { InstanceDTO } from '../../objects/instance.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiResponse, ok } from '../types.ts';
import { validate } from '../validation.ts';
import * as schema from './schemas/server-rescue.ts';
import { registerServerAction } from './server-actions.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

async function rescue(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const body = validate(schema.rescue, req.body).rescue;
  authorize(req.ctx, 'os_compute_api:os-rescue', { project_id: inst.project_id });
  const password = await stateConflicts('rescue', inst.uuid, () =>
    d.compute.rescues.rescue(req.ctx, inst, { password: body?.adminPass ?? null, imageRef: body?.rescue_image_ref ?? null }),
  );
  return ok(d.conf.api.enable_instance_password ? { adminPass: password } : {});
}

async function unrescue(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  validate(schema.unrescue, req.body);
  authorize(req.ctx, 'os_compute_api:os-unrescue', { project_id: inst.project_id });
  await stateConflicts('unrescue', inst.uuid, () => d.compute.rescues.unrescue(req.ctx, inst));
  return { status: 202 };
}

registerServerAction('rescue', rescue);
registerServerAction('unrescue', unrescue);
