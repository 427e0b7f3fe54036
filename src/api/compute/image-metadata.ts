/**
 * Image metadata through the compute API (nova/api/openstack/compute/image_metadata.py),
 * 2.1 – 2.38 (404 from 2.39): the image's custom properties, read and
 * changed in the image service as the caller. Changes keep at most the
 * metadata_items quota of properties (403 "Image metadata limit exceeded").
 */
import { effectiveLimits } from '../../compute-api/quota.ts';
import type { RequestContext } from '../../context.ts';
import { badRequest, forbidden, notFound } from '../errors.ts';
import { type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { imageCall, imagesOf } from './images.ts';
import * as schema from './schemas/images.ts';

/** MAX_IMAGE_META_PROXY_API_VERSION. */
const MAX_VERSION = '2.38';

/** common.check_img_metadata_properties_quota. */
async function checkQuota(deps: ApiDeps, ctx: RequestContext, metadata: Readonly<Record<string, string>>): Promise<void> {
  const count = Object.keys(metadata).length;
  if (count === 0 || !ctx.project_id) return;
  const limit = (await effectiveLimits(deps, ctx.project_id)).metadata_items;
  if (limit >= 0 && count > limit) throw forbidden('Image metadata limit exceeded');
}

async function properties(deps: ApiDeps, req: ApiRequestOf<'image_id'>): Promise<Record<string, string>> {
  return (await imageCall(() => imagesOf(deps).show(req.ctx, req.params.image_id))).properties;
}

async function write(deps: ApiDeps, req: ApiRequestOf<'image_id'>, next: Record<string, string>): Promise<Record<string, string>> {
  await checkQuota(deps, req.ctx, next);
  return (await imageCall(() => imagesOf(deps).setProperties(req.ctx, req.params.image_id, next))).properties;
}

async function index(deps: ApiDeps, req: ApiRequestOf<'image_id'>): Promise<ApiResponse> {
  return ok({ metadata: await properties(deps, req) });
}

async function show(deps: ApiDeps, req: ApiRequestOf<'image_id' | 'id'>): Promise<ApiResponse> {
  const meta = await properties(deps, req);
  const key = req.params.id;
  const value = meta[key];
  if (value === undefined) throw notFound('The resource could not be found.');
  return ok({ meta: { [key]: value } });
}

async function create(deps: ApiDeps, req: ApiRequestOf<'image_id'>): Promise<ApiResponse> {
  const body = validate(schema.create, req.body);
  const current = await properties(deps, req);
  return ok({ metadata: await write(deps, req, { ...current, ...body.metadata }) });
}

async function update(deps: ApiDeps, req: ApiRequestOf<'image_id' | 'id'>): Promise<ApiResponse> {
  const body = validate(schema.update, req.body);
  const key = req.params.id;
  const value = body.meta[key];
  if (value === undefined) throw badRequest('Request body and URI mismatch');
  const current = await properties(deps, req);
  await write(deps, req, { ...current, [key]: value });
  return ok({ meta: body.meta });
}

async function updateAll(deps: ApiDeps, req: ApiRequestOf<'image_id'>): Promise<ApiResponse> {
  const body = validate(schema.updateAll, req.body);
  await properties(deps, req);
  await write(deps, req, body.metadata);
  return ok({ metadata: body.metadata });
}

async function destroy(deps: ApiDeps, req: ApiRequestOf<'image_id' | 'id'>): Promise<ApiResponse> {
  const current = await properties(deps, req);
  const key = req.params.id;
  if (!(key in current)) throw notFound('Invalid metadata key');
  const { [key]: _gone, ...rest } = current;
  await imageCall(() => imagesOf(deps).setProperties(req.ctx, req.params.image_id, rest));
  return noContent();
}

/** /images/{image_id}/metadata[/{key}] (2.1 – 2.38). */
export function imageMetadataRoutes(deps: ApiDeps): Route[] {
  const v = { maxVersion: MAX_VERSION } as const;
  return [
    route({ ...v, method: 'GET', path: '/images/:image_id/metadata', handler: (req) => index(deps, req) }),
    route({ ...v, method: 'POST', path: '/images/:image_id/metadata', handler: (req) => create(deps, req) }),
    route({ ...v, method: 'PUT', path: '/images/:image_id/metadata', handler: (req) => updateAll(deps, req) }),
    route({ ...v, method: 'GET', path: '/images/:image_id/metadata/:id', handler: (req) => show(deps, req) }),
    route({ ...v, method: 'PUT', path: '/images/:image_id/metadata/:id', handler: (req) => update(deps, req) }),
    route({ ...v, method: 'DELETE', path: '/images/:image_id/metadata/:id', handler: (req) => destroy(deps, req) }),
  ];
}
