import { badRequest, notFound } from '../errors.ts';
import { type ApiRequest, type ApiResponse, noContent, ok, type Route } from '../types.ts';
import { validate } from '../validation.ts';
import * as schema from './schemas/servers.ts';
import { type ServerApiDeps, stateConflicts } from './servers.ts';

async function list(d: ServerApiDeps, r: ApiRequest): Promise<ApiResponse> {
  const inst = await d.compute.get(r.ctx, r.params.id as string);
  return ok({ metadata: inst.metadata });
}

async function setAll(d: ServerApiDeps, r: ApiRequest, replace: boolean): Promise<ApiResponse> {
  const body = validate(schema.metadataAll, r.body);
  const inst = await d.compute.get(r.ctx, r.params.id as string);
  const metadata = await stateConflicts('update metadata', inst.uuid, () => d.compute.setMetadata(r.ctx, inst, body.metadata, replace));
  return ok({ metadata });
}

async function show(d: ServerApiDeps, r: ApiRequest): Promise<ApiResponse> {
  const inst = await d.compute.get(r.ctx, r.params.id as string);
  const key = r.params.key as string;
  if (!Object.hasOwn(inst.metadata, key)) throw notFound('Metadata item was not found');
  return ok({ meta: { [key]: inst.metadata[key] } });
}

async function setItem(d: ServerApiDeps, r: ApiRequest): Promise<ApiResponse> {
  const body = validate(schema.metadataItem, r.body);
  const key = r.params.key as string;
  if (!Object.hasOwn(body.meta, key)) throw badRequest('Request body and URI mismatch');
  const inst = await d.compute.get(r.ctx, r.params.id as string);
  await stateConflicts('update metadata', inst.uuid, () => d.compute.setMetadata(r.ctx, inst, body.meta, false));
  return ok({ meta: body.meta });
}

async function deleteItem(d: ServerApiDeps, r: ApiRequest): Promise<ApiResponse> {
  const inst = await d.compute.get(r.ctx, r.params.id as string);
  const key = r.params.key as string;
  if (!Object.hasOwn(inst.metadata, key)) throw notFound('Metadata item was not found');
  await stateConflicts('delete metadata', inst.uuid, () => d.compute.deleteMetadataItem(r.ctx, inst, key));
  return noContent();
}

/** /servers/{id}/metadata: list, merge (POST), replace (PUT), and single items. */
export function serverMetadataRoutes(d: ServerApiDeps): Route[] {
  return [
    { method: 'GET', path: '/servers/:id/metadata', handler: (r) => list(d, r) },
    { method: 'POST', path: '/servers/:id/metadata', handler: (r) => setAll(d, r, false) },
    { method: 'PUT', path: '/servers/:id/metadata', handler: (r) => setAll(d, r, true) },
    { method: 'GET', path: '/servers/:id/metadata/:key', handler: (r) => show(d, r) },
    { method: 'PUT', path: '/servers/:id/metadata/:key', handler: (r) => setItem(d, r) },
    { method: 'DELETE', path: '/servers/:id/metadata/:key', handler: (r) => deleteItem(d, r) },
  ];
}
