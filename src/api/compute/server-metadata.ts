import { badRequest, notFound } from '../errors.ts';
import { type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import * as schema from './schemas/servers.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

async function list(d: ServerApiDeps, r: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const inst = await d.compute.get(r.ctx, r.params.id);
  return ok({ metadata: inst.metadata });
}

async function setAll(d: ServerApiDeps, r: ApiRequestOf<'id'>, replace: boolean): Promise<ApiResponse> {
  const body = validate(schema.metadataAll, r.body);
  const inst = await d.compute.get(r.ctx, r.params.id);
  const metadata = await stateConflicts('update metadata', inst.uuid, () => d.compute.setMetadata(r.ctx, inst, body.metadata, replace));
  return ok({ metadata });
}

async function show(d: ServerApiDeps, r: ApiRequestOf<'id' | 'key'>): Promise<ApiResponse> {
  const inst = await d.compute.get(r.ctx, r.params.id);
  const key = r.params.key;
  if (!Object.hasOwn(inst.metadata, key)) throw notFound('Metadata item was not found');
  return ok({ meta: { [key]: inst.metadata[key] } });
}

async function setItem(d: ServerApiDeps, r: ApiRequestOf<'id' | 'key'>): Promise<ApiResponse> {
  const body = validate(schema.metadataItem, r.body);
  const key = r.params.key;
  if (!Object.hasOwn(body.meta, key)) throw badRequest('Request body and URI mismatch');
  const inst = await d.compute.get(r.ctx, r.params.id);
  await stateConflicts('update metadata', inst.uuid, () => d.compute.setMetadata(r.ctx, inst, body.meta, false));
  return ok({ meta: body.meta });
}

async function deleteItem(d: ServerApiDeps, r: ApiRequestOf<'id' | 'key'>): Promise<ApiResponse> {
  const inst = await d.compute.get(r.ctx, r.params.id);
  const key = r.params.key;
  if (!Object.hasOwn(inst.metadata, key)) throw notFound('Metadata item was not found');
  await stateConflicts('delete metadata', inst.uuid, () => d.compute.deleteMetadataItem(r.ctx, inst, key));
  return noContent();
}

/** /servers/{id}/metadata: list, merge (POST), replace (PUT), and single items. */
export function serverMetadataRoutes(d: ServerApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/servers/:id/metadata', handler: (r) => list(d, r) }),
    route({ method: 'POST', path: '/servers/:id/metadata', handler: (r) => setAll(d, r, false) }),
    route({ method: 'PUT', path: '/servers/:id/metadata', handler: (r) => setAll(d, r, true) }),
    route({ method: 'GET', path: '/servers/:id/metadata/:key', handler: (r) => show(d, r) }),
    route({ method: 'PUT', path: '/servers/:id/metadata/:key', handler: (r) => setItem(d, r) }),
    route({ method: 'DELETE', path: '/servers/:id/metadata/:key', handler: (r) => deleteItem(d, r) }),
  ];
}
