/**
 * /v2/images: list, create, show, update (JSON patch), delete
 * (glance.api.v2.images).
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import { errorMessage } from '../util/error-message.ts';
import { badRequest, forbidden, imageNotFound, notFound, tooLarge } from './errors.ts';
import { type ImageApiDeps, type ImageRequest, type ImageRequestOf, type ImageResponse, json, mediaType, noContent, requireJson } from './http.ts';
import { assertMutable, assertVisibilityAllowed, findVisible } from './policy.ts';
import { applyPatch } from './schemas/apply-patch.ts';
import { parseCreate } from './schemas/create.ts';
import { parsePatch, patchDraft } from './schemas/patch.ts';
import { parseListQuery } from './schemas/query.ts';
import type { ImageDTO } from './types.ts';
import { imageListView, imageView } from './views/image.ts';

/** glance.quota: 413 when an image would carry more properties or tags than allowed. */
function checkQuotas(deps: ImageApiDeps, properties: Record<string, string>, tags: readonly string[]): void {
  const props = Object.keys(properties).length;
  const { image_property_quota: maxProps, image_tag_quota: maxTags } = deps.conf;
  if (maxProps >= 0 && props > maxProps) {
    throw tooLarge(`The limit has been exceeded on the number of allowed image properties. Attempted: ${props}, Maximum: ${maxProps}`);
  }
  const n = new Set(tags).size;
  if (maxTags >= 0 && n > maxTags) throw tooLarge(`The limit has been exceeded on the number of allowed image tags. Attempted: ${n}, Maximum: ${maxTags}`);
}

/** The image or Glance's 404 "No image found with ID …". */
export async function visibleImage(deps: ImageApiDeps, ctx: RequestContext, id: string): Promise<ImageDTO> {
  const image = await findVisible(deps, ctx, id);
  if (!image) throw imageNotFound(id);
  return image;
}

/** GET /v2/images */
export function index(deps: ImageApiDeps) {
  return async (req: ImageRequest): Promise<ImageResponse> => {
    const parsed = parseListQuery(req.search, deps.conf);
    let marker: ImageDTO | undefined;
    if (parsed.marker !== undefined) {
      marker = (await findVisible(deps, req.ctx, parsed.marker)) ?? undefined;
      if (!marker) throw badRequest(`No image found with ID ${parsed.marker}`);
    }
    const images = await deps.images.list({ ...parsed, marker, project: req.ctx.project_id, isAdmin: req.ctx.is_admin });
    const next = images.length > 0 && images.length === parsed.limit ? (images.at(-1)?.id ?? null) : null;
    return json(imageListView(images, req.search, next));
  };
}

/** POST /v2/images */
export function create(deps: ImageApiDeps) {
  return async (req: ImageRequest): Promise<ImageResponse> => {
    const { id, attributes: a, properties, tags } = parseCreate(await requireJson(req.stream));
    const { ctx } = req;
    const owner = a.owner === undefined ? ctx.project_id : a.owner;
    if (!ctx.is_admin && owner !== ctx.project_id) throw forbidden(`You are not permitted to create images owned by '${owner}'.`);
    assertVisibilityAllowed(ctx, a.visibility);
    checkQuotas(deps, properties, tags);
    const image = await deps.images.create(
      {
        id: id ?? randomUUID(),
        name: a.name ?? null,
        visibility: a.visibility ?? 'shared',
        protected: a.protected ?? false,
        os_hidden: a.os_hidden ?? false,
        owner,
        min_disk: a.min_disk ?? 0,
        min_ram: a.min_ram ?? 0,
        disk_format: a.disk_format ?? null,
        container_format: a.container_format ?? null,
      },
      properties,
      tags,
    );
    return json(imageView(image), 201, { location: `${req.baseUrl}/v2/images/${image.id}` });
  };
}

/** GET /v2/images/{id} */
export function show(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id'>): Promise<ImageResponse> => {
    return json(imageView(await visibleImage(deps, req.ctx, req.params.id)));
  };
}

/** PATCH /v2/images/{id} */
export function update(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id'>): Promise<ImageResponse> => {
    const id = req.params.id;
    const draft = patchDraft(mediaType(req.headers));
    const changes = parsePatch(await requireJson(req.stream), draft);
    const image = await visibleImage(deps, req.ctx, id);
    const patched = applyPatch(req.ctx, image, changes);
    checkQuotas(deps, patched.properties, patched.tags);
    const a = patched.attributes;
    const columns = {
      ...a,
      ...(a.protected !== undefined ? { protected: a.protected ? 1 : 0 } : {}),
      ...(a.os_hidden !== undefined ? { os_hidden: a.os_hidden ? 1 : 0 } : {}),
    };
    if (changes.length === 0) return json(imageView(image));
    const saved = await deps.images.update(id, columns, patched.propertiesChanged ? patched.properties : undefined, patched.tagsChanged ? patched.tags : undefined);
    if (!saved) throw imageNotFound(id);
    return json(imageView(saved));
  };
}

/** DELETE /v2/images/{id}: 403 for a protected image; removes the data file. */
export function remove(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id'>): Promise<ImageResponse> => {
    const id = req.params.id;
    const gone = () => notFound(`Failed to find image ${id} to delete`);
    const image = await findVisible(deps, req.ctx, id);
    if (!image) throw gone();
    assertMutable(req.ctx, image);
    if (image.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
    if (!(await deps.images.softDelete(id))) throw gone();
    if (image.location) {
      await deps.store.delete(image.location).catch((e: unknown) => deps.log.warn({ image_id: id, err: errorMessage(e) }, 'could not delete image data'));
    }
    return noContent();
  };
}
