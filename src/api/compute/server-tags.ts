/**
 * Server tags (nova/api/openstack/compute/server_tags.py), from 2.26:
 * GET/PUT/DELETE /servers/{id}/tags and /servers/{id}/tags/{tag}. Changes
 * need the server in vm_state active, paused, suspended or stopped (409
 * otherwise, with Nova's text); as in Nova, a lock does not stop them.
 * Another project's server is not found (404).
 */
import type { InstanceDTO } from '../../objects/instance.ts';
import { badRequest, notFound } from '../errors.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { pyRepr, validate } from '../validation.ts';
import * as schema from './schemas/server-tags.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

const MIN_VERSION = '2.26';

/** The server (404 for other projects' servers), once the caller passes the policy for it. */
async function serverFor(d: ServerApiDeps, r: ApiRequestOf<'id'>, action: string): Promise<InstanceDTO> {
  const inst = await d.compute.get(r.ctx, r.params.id);
  authorize(r.ctx, `os_compute_api:os-server-tags:${action}`, { project_id: inst.project_id });
  return inst;
}

/** jsonschema's message for a tag in the URL that parameter_types.tag refuses, or null when it is valid. */
function tagError(tag: string): string | null {
  const length = [...tag].length;
  if (length < 1) return `${pyRepr(tag)} is too short`;
  if (length > schema.MAX_TAG_LENGTH) return `${pyRepr(tag)} is too long`;
  if (/[,/]/.test(tag)) return `${pyRepr(tag)} does not match '^[^,/]*$'`;
  return null;
}

/** The tag as it may stand in a Location header (bytes outside printable ASCII percent-encoded). */
function headerSafe(tag: string): string {
  return [...Buffer.from(tag, 'utf8')].map((b) => (b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

async function index(d: ServerApiDeps, r: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, r, 'index');
  return ok({ tags: inst.tags });
}

async function show(d: ServerApiDeps, r: ApiRequestOf<'id' | 'tag'>): Promise<ApiResponse> {
  const inst = await serverFor(d, r, 'show');
  const tag = r.params.tag;
  if (!inst.tags.includes(tag)) throw notFound(`Server ${r.params.id} has no tag '${tag}'`);
  return noContent();
}

async function updateAll(d: ServerApiDeps, r: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(schema.updateAll, r.body);
  const inst = await serverFor(d, r, 'update_all');
  const tags = await stateConflicts('update tags', r.params.id, () => d.compute.setTags(inst, body.tags));
  return ok({ tags });
}

async function update(d: ServerApiDeps, r: ApiRequestOf<'id' | 'tag'>): Promise<ApiResponse> {
  if (r.body !== undefined && r.body !== null) throw badRequest(`${pyRepr(r.body)} is not of type 'null'`);
  const inst = await serverFor(d, r, 'update');
  const serverId = r.params.id;
  const tag = r.params.tag;
  await stateConflicts('update tag', serverId, async () => d.compute.assertTaggable(inst, 'update tag'));
  const invalid = tagError(tag);
  if (invalid) throw badRequest(`Tag '${tag}' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: ${invalid}`);
  const added = await stateConflicts('update tag', serverId, () => d.compute.addTag(inst, tag));
  if (!added) return noContent();
  return { status: 201, headers: { Location: `${r.baseUrl}/v2.1/servers/${serverId}/tags/${headerSafe(tag)}` } };
}

async function deleteAll(d: ServerApiDeps, r: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await serverFor(d, r, 'delete_all');
  await stateConflicts('delete tags', r.params.id, () => d.compute.setTags(inst, [], 'delete tags'));
  return noContent();
}

async function remove(d: ServerApiDeps, r: ApiRequestOf<'id' | 'tag'>): Promise<ApiResponse> {
  const inst = await serverFor(d, r, 'delete');
  await stateConflicts('delete tag', r.params.id, () => d.compute.removeTag(inst, r.params.tag));
  return noContent();
}

/** /servers/{id}/tags[/{tag}] (2.26+). */
export function serverTagsRoutes(d: ServerApiDeps): Route[] {
  const common = { minVersion: MIN_VERSION } as const;
  const policy = (name: string) => `os_compute_api:os-server-tags:${name}`;
  return [
    route({ ...common, method: 'GET', path: '/servers/:id/tags', policy: policy('index'), handler: (r) => index(d, r) }),
    route({ ...common, method: 'PUT', path: '/servers/:id/tags', policy: policy('update_all'), handler: (r) => updateAll(d, r) }),
    route({ ...common, method: 'DELETE', path: '/servers/:id/tags', policy: policy('delete_all'), handler: (r) => deleteAll(d, r) }),
    route({ ...common, method: 'GET', path: '/servers/:id/tags/:tag', policy: policy('show'), handler: (r) => show(d, r) }),
    route({ ...common, method: 'PUT', path: '/servers/:id/tags/:tag', policy: policy('update'), handler: (r) => update(d, r) }),
    route({ ...common, method: 'DELETE', path: '/servers/:id/tags/:tag', policy: policy('delete'), handler: (r) => remove(d, r) }),
  ];
}
