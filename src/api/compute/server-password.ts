/**
 * os-server-password (nova/api/openstack/compute/server_password.py):
 * GET /servers/{id}/os-server-password answers the encrypted password the
 * guest posted to the metadata service, kept in the instance's
 * system_metadata as password_0 … password_3 (255 characters each, Nova's
 * nova.api.metadata.password), or "" when there is none; DELETE clears it
 * (204), which does not change the guest's password. Another project's
 * server is not found (404).
 */
import type { InstanceDTO } from '../../objects/instance.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import type { ServerApiDeps } from './servers.ts';

/** nova.api.metadata.password.CHUNKS and CHUNK_LENGTH. */
const CHUNKS = 4;
const CHUNK_LENGTH = 255;

/** extract_password: the password_* system metadata, in key order, joined. */
export function extractPassword(inst: Pick<InstanceDTO, 'system_metadata'>): string {
  return Object.keys(inst.system_metadata)
    .filter((k) => k.startsWith('password_'))
    .sort()
    .map((k) => inst.system_metadata[k] ?? '')
    .join('');
}

/** convert_password: the password as its system metadata chunks (an empty password clears them). */
export function passwordMetadata(password: string | null): Record<string, string> {
  let rest = password ?? '';
  const meta: Record<string, string> = {};
  for (let i = 0; i < CHUNKS; i++) {
    meta[`password_${i}`] = rest.slice(0, CHUNK_LENGTH);
    rest = rest.slice(CHUNK_LENGTH);
  }
  return meta;
}

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
  await d.db.instances.update(inst.uuid, { system_metadata: { ...inst.system_metadata, ...passwordMetadata(null) } });
  return noContent();
}

/** GET and DELETE /servers/{id}/os-server-password. */
export function serverPasswordRoutes(d: ServerApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/servers/:id/os-server-password', policy: 'os_compute_api:os-server-password:show', handler: (req) => index(d, req) }),
    route({ method: 'DELETE', path: '/servers/:id/os-server-password', policy: 'os_compute_api:os-server-password:clear', handler: (req) => clear(d, req) }),
  ];
}
