import type { ComputeApi } from '../../compute-api/api.ts';
import { InstanceInvalidState, InstanceIsLocked } from '../../exception/instance.ts';
import type { InstanceUpdate } from '../../objects/instance.ts';
import { normalizeIpv6 } from '../../util/ipv6.ts';
import { conflict } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import * as schema from './schemas/servers.ts';
import { createServer } from './server-create.ts';
import { listServers } from './server-list.ts';
import { viewContext } from './server-view-context.ts';
import { gone, settle } from './settle.ts';
import { serverDetail } from './views/servers.ts';

export { viewContext } from './server-view-context.ts';

export interface ServerApiDeps extends ApiDeps {
  readonly compute: ComputeApi;
}

/** Turn a state conflict into Nova's 409 text: "Cannot 'pause' instance X while it is in vm_state stopped". */
export async function stateConflicts<T>(action: string, serverId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InstanceInvalidState) {
      const { attr, state } = e;
      if (attr !== undefined) throw conflict(`Cannot '${action}' instance ${serverId} while it is in ${attr} ${state}`);
      throw conflict(`Instance ${serverId} is in an invalid state for '${action}'`);
    }
    if (e instanceof InstanceIsLocked) throw conflict(e.message);
    throw e;
  }
}

async function showServer(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await deps.compute.get(req.ctx, req.params.id);
  return ok({ server: serverDetail(inst, await viewContext(deps, req, [inst], true)) });
}

async function updateServer(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const v = req.version;
  const body: schema.UpdateBody = validate(atLeast(v, '2.90') ? schema.updateV290 : atLeast(v, '2.19') ? schema.updateV219 : schema.update, req.body);
  const s = body.server;
  const inst = await deps.compute.get(req.ctx, req.params.id);
  const changes: InstanceUpdate = {};
  if (s.name !== undefined) changes.display_name = s.name;
  if (s.description !== undefined) changes.display_description = s.description;
  if (s.hostname !== undefined) changes.hostname = s.hostname;
  // helpers.translate_attributes: disk config and access addresses.
  if (s['OS-DCF:diskConfig'] !== undefined) changes.auto_disk_config = s['OS-DCF:diskConfig'] === 'AUTO';
  if (s.accessIPv4 !== undefined) changes.access_ip_v4 = s.accessIPv4;
  if (s.accessIPv6 !== undefined) changes.access_ip_v6 = normalizeIpv6(s.accessIPv6);
  // compute.api.update_instance saves the instance: no lock or state check (unlike the actions).
  const updated = await deps.db.instances.update(inst.uuid, changes);
  // Before 2.75 PUT answers the core attributes only; from 2.75 all of them, as GET.
  const vc = await viewContext(deps, req, [updated], true);
  return ok({ server: serverDetail(updated, { ...vc, basic: !atLeast(req.version, '2.75') }) });
}

async function deleteServer(deps: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await deps.compute.get(req.ctx, req.params.id);
  await stateConflicts('delete', inst.uuid, () => deps.compute.delete(req.ctx, inst));
  await settle(deps, [inst.uuid], gone);
  return noContent();
}

/** servers: list, detail, show, create, update, delete. */
export function serversRoutes(deps: ServerApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/servers', handler: (r) => listServers(deps, r, false) }),
    route({ method: 'GET', path: '/servers/detail', handler: (r) => listServers(deps, r, true) }),
    route({ method: 'POST', path: '/servers', handler: (r) => createServer(deps, r), policy: 'os_compute_api:servers:create' }),
    route({ method: 'GET', path: '/servers/:id', handler: (r) => showServer(deps, r) }),
    route({ method: 'PUT', path: '/servers/:id', handler: (r) => updateServer(deps, r), policy: 'os_compute_api:servers:update' }),
    route({ method: 'DELETE', path: '/servers/:id', handler: (r) => deleteServer(deps, r), policy: 'os_compute_api:servers:delete' }),
  ];
}
