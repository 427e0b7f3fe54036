/**
 * os-server-password (nova/api/openstack/compute/server_password.py):
 * GET /servers/{id}/os-server-password answers the encrypted password the
 * guest posted to the metadata service, kept in the instance's
 * system_metadata as password_0 … password_3 (255 characters each, Nova's
 * nova.api.metadata.password; src/metadata/password.ts), or "" when there is none; DELETE clears it
 * (204), which does not change the guest's password. Another project's
 * server is not found (404).
 */
import { extractPassword, passwordMetadata } from '../../metadata/password.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import type { ServerApiDeps } from './servers.ts';

async function serverFor(d: ServerApiDeps, req: ApiRequestOf<'id'>, action: 'show' | 'clear'): Promise<InstanceDTO> {
  const inst = await d.compute.get(req.ctx, req.params.id);
  authorize(req.ctx, `os_compute_api:os-server-password:${action}`, { project_id: inst.project_id });
  return inst;
}

async function index(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'show');
  return ok({ password: extractPassword(inst) });
}

async function clear(d: ServerApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, req, 'clear');
  await d.db.instances.updateSystemMetadata(inst.uuid, () => passwordMetadata(null));
  return noContent();
}

/** GET and DELETE /servers/{id}/os-server-password. */
export function serverPasswordRoutes(d: ServerApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/servers/:id/os-server-password', policy: 'os_compute_api:os-server-password:show', handler: (req) => index(d, req) }),
    route({ method: 'DELETE', path: '/servers/:id/os-server-password', policy: 'os_compute_api:os-server-password:clear', handler: (req) => clear(d, req) }),
  ];
}
