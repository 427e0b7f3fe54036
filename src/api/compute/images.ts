/**
 * The compute image proxy (nova/api/openstack/compute/images.py), 2.1 –
 * 2.35 (404 from 2.36, as Nova): GET /images, /images/detail, /images/{id},
 * DELETE /images/{id}, proxied to the image service as the caller and shown
 * in Nova's view. The filters name, status, changes-since, server, type,
 * minRam, minDisk and property-* become Glance's (Nova's
 * _extract_query_params_v2); limit and marker page.
 */

import { ImageDeleteConflict, ImageNotAuthorized } from '../../clients/glance.ts';
import type { ComputeImages } from '../../compute-api/images.ts';
import { ImageNotFound } from '../../exception/resources.ts';
import { badRequest, conflict, forbidden, HttpError, notFound } from '../errors.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, noContent, ok, type Route, route } from '../types.ts';
import { queryOne } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import { collectionLinks, type Query } from './schemas/query.ts';
import { imageBasic, imageDetail } from './views/images.ts';

/** MAX_PROXY_API_SUPPORT_VERSION. */
export const MAX_PROXY_VERSION = '2.35';

const SUPPORTED_FILTERS: Readonly<Record<string, string>> = {
  name: 'name',
  status: 'status',
  'changes-since': 'changes-since',
  server: 'property-instance_uuid',
  type: 'property-image_type',
  minRam: 'min_ram',
  minDisk: 'min_disk',
};

/** The image service, or Nova's answer without one. */
export function imagesOf(deps: ApiDeps): ComputeImages {
  if (!deps.images) throw new HttpError(501, 'The requested functionality is not supported.');
  return deps.images;
}

/** Python's str.lstrip(chars): Nova strips the *characters* of 'property-' from a property filter's name. */
function lstripChars(s: string, chars: string): string {
  let i = 0;
  while (i < s.length && chars.includes(s.charAt(i))) i++;
  return s.slice(i);
}

/** _get_filters then _extract_query_params_v2: the request's filters as Glance v2 parameters. */
export function glanceFilters(query: Query): [string, string][] {
  const filters = new Map<string, string>();
  for (const param of Object.keys(query)) {
    if (!(param in SUPPORTED_FILTERS) && !param.startsWith('property-')) continue;
    const value = queryOne(query[param]);
    if (value !== undefined) filters.set(SUPPORTED_FILTERS[param] ?? param, value);
  }
  const server = filters.get('property-instance_uuid');
  if (server?.includes('/')) filters.set('property-instance_uuid', server.slice(server.lastIndexOf('/') + 1));
  const status = filters.get('status');
  if (status !== undefined) filters.set('status', status.toLowerCase());
  const out: [string, string][] = [];
  for (const [k, v] of filters) {
    if (k.startsWith('property-')) out.push([lstripChars(k, 'property-'), v]);
    else if (k === 'changes-since') out.push(['updated_at', `gte:${v}`]);
    else out.push([k, v]);
  }
  return out;
}

/** get_pagination_params: limit, page_size and offset are integers >= 0; the marker is passed on. */
function pageParams(query: Query): { limit?: number; marker?: string; params: [string, string][] } {
  const params: [string, string][] = [];
  let limit: number | undefined;
  for (const name of ['limit', 'page_size', 'offset']) {
    const v = queryOne(query[name]);
    if (v === undefined) continue;
    if (!/^\s*[-+]?\d+\s*$/.test(v)) throw badRequest(`${name} must be an integer`);
    const n = Number(v);
    if (n < 0) throw badRequest(`${name} must be >= 0`);
    if (name === 'limit') limit = n || undefined;
    else if (name === 'page_size') params.push(['limit', String(n)]);
  }
  const marker = queryOne(query.marker);
  if (marker !== undefined) params.push(['marker', marker]);
  return { ...(limit !== undefined ? { limit } : {}), ...(marker !== undefined ? { marker } : {}), params };
}

/** The image service's errors as the controller maps them. */
export async function imageCall<T>(call: () => Promise<T>, forbiddenMessage?: string): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ImageNotFound) throw notFound('Image not found.');
    if (e instanceof ImageNotAuthorized) throw forbidden(forbiddenMessage ?? e.message);
    if (e instanceof ImageDeleteConflict) throw conflict(e.message);
    throw e;
  }
}

async function list(deps: ApiDeps, req: ApiRequest, detail: boolean): Promise<ApiResponse> {
  const images = imagesOf(deps);
  const page = pageParams(req.query);
  const found = await imageCall(() => images.list(req.ctx, [...glanceFilters(req.query), ...page.params], page.limit));
  const view = detail ? imageDetail : imageBasic;
  const body: Record<string, unknown> = { images: found.map((i) => view(req.baseUrl, images.linkBase, i)) };
  const next = collectionLinks(req.baseUrl, detail ? 'images/detail' : 'images', req.query, found.length, deps.conf.api.max_limit, () => found.at(-1)?.id ?? '');
  if (next) body.images_links = next;
  return ok(body);
}

async function show(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const images = imagesOf(deps);
  const image = await imageCall(() => images.show(req.ctx, req.params.id));
  return ok({ image: imageDetail(req.baseUrl, images.linkBase, image) });
}

async function destroy(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const images = imagesOf(deps);
  await imageCall(() => images.delete(req.ctx, req.params.id), 'You are not allowed to delete the image.');
  return noContent();
}

/** The /images routes (2.1 – 2.35). */
export function imagesRoutes(deps: ApiDeps): Route[] {
  const v = { maxVersion: MAX_PROXY_VERSION } as const;
  return [
    route({ ...v, method: 'GET', path: '/images', handler: (req) => list(deps, req, false) }),
    route({ ...v, method: 'GET', path: '/images/detail', handler: (req) => list(deps, req, true) }),
    route({ ...v, method: 'GET', path: '/images/:id', handler: (req) => show(deps, req) }),
    route({ ...v, method: 'DELETE', path: '/images/:id', handler: (req) => destroy(deps, req) }),
  ];
}
