/**
 * POST /os-aggregates/{id}/images (2.81, nova/api/openstack/compute/aggregates.py
 * images): pre-cache images on the hosts of an aggregate, admin only, 202.
 * Each image must exist for the caller (else 400 with Nova's ImageNotFound
 * text); nova-api then casts cache_images to every compute host of the
 * aggregate that is up (down hosts are skipped, as Nova's conductor does),
 * and each host fetches the images into its image cache.
 */
import { AggregateNotFound } from '../../exception/aggregate.ts';
import { NovaError } from '../../exception/base.ts';
import { badRequest, notFound } from '../errors.ts';
import { authorize } from '../policy.ts';
import { type ApiRequestOf, type ApiResponse, type Route, route } from '../types.ts';
import { validate } from '../validation.ts';
import type { ApiDeps } from './deps.ts';
import * as schema from './schemas/aggregate-images.ts';
import { isIntegerString } from './schemas/parameter-types.ts';

const POLICY = 'compute:aggregates:images';

async function images(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const body = validate(schema.imagesV281, req.body);
  authorize(req.ctx, POLICY);
  if (!isIntegerString(req.params.id)) throw badRequest('Invalid input received: id must be an integer');
  const ids = body.cache.map((c) => c.id);
  if (new Set(ids).size !== ids.length) throw badRequest('Duplicate images in request');
  const aggregate = await deps.db.aggregates.get(Number(req.params.id)).catch((e: unknown) => {
    if (e instanceof AggregateNotFound) throw notFound(e.message);
    throw e;
  });
  try {
    // Nova's conductor API checks each image with the image service before asking any host.
    if (deps.images) for (const id of ids) await deps.images.show(req.ctx, id);
    await deps.hosts?.cacheImages(req.ctx, aggregate.hosts, ids);
  } catch (e) {
    if (e instanceof NovaError && e.status < 500) throw badRequest(e.message);
    throw e;
  }
  return { status: 202 };
}

/** The os-aggregates images route (2.81+). */
export function aggregateImagesRoutes(deps: ApiDeps): Route[] {
  return [route({ method: 'POST', path: '/os-aggregates/:id/images', minVersion: '2.81', policy: POLICY, handler: (req) => images(deps, req) })];
}
