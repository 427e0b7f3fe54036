/**
 * shelve, shelveOffload and unshelve (nova/api/openstack/compute/shelve.py):
 * 202 each. unshelve takes `{"unshelve": null}`; from 2.77 an
 * availability_zone; from 2.91 a host too (admin: the unshelve_to_host
 * policy) and availability_zone null to unpin the server from its zone.
 */
import { ComputeHostNotFound } from '../../exception/resources.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { badRequest } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { validate } from '../validation.ts';
import * as schema from './schemas/server-shelve.ts';
import { registerServerAction } from './server-actions.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

const POLICY = (name: string) => `os_compute_api:os-shelve:${name}`;
const accepted: ApiResponse = { status: 202 };

async function shelve(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  validate(schema.shelve, req.body);
  authorize(req.ctx, POLICY('shelve'), { project_id: inst.project_id });
  await stateConflicts('shelve', inst.uuid, () => d.compute.shelving.shelve(req.ctx, inst));
  return accepted;
}

async function shelveOffload(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  validate(schema.shelveOffload, req.body);
  authorize(req.ctx, POLICY('shelve_offload'), { project_id: inst.project_id });
  await stateConflicts('shelveOffload', inst.uuid, () => d.compute.shelving.shelveOffload(req.ctx, inst));
  return accepted;
}

/** The unshelve body as the microversion reads it: which zone (undefined: not given) and host. */
function unshelveArgs(req: ApiRequest): { availabilityZone?: string | null; host?: string | null } {
  if (atLeast(req.version, '2.91')) {
    const body = validate(schema.unshelveV291, req.body).unshelve;
    if (!body) return {};
    return { ...('availability_zone' in body ? { availabilityZone: body.availability_zone ?? null } : {}), host: body.host ?? null };
  }
  if (atLeast(req.version, '2.77')) {
    const body = validate(schema.unshelveV277, req.body).unshelve;
    return body ? { availabilityZone: body.availability_zone } : {};
  }
  validate(schema.unshelve, req.body);
  return {};
}

async function unshelve(d: ServerApiDeps, req: ApiRequest, inst: InstanceDTO): Promise<ApiResponse> {
  const args = unshelveArgs(req);
  authorize(req.ctx, POLICY('unshelve'), { project_id: inst.project_id });
  const mayTargetHost = () => authorize(req.ctx, POLICY('unshelve_to_host'), { project_id: inst.project_id });
  try {
    await stateConflicts('unshelve', inst.uuid, () => d.compute.shelving.unshelve(req.ctx, inst, { ...args, mayTargetHost }));
  } catch (e) {
    if (e instanceof ComputeHostNotFound) throw badRequest(e.message);
    throw e;
  }
  return accepted;
}

registerServerAction('shelve', shelve);
registerServerAction('shelveOffload', shelveOffload);
registerServerAction('unshelve', unshelve);
