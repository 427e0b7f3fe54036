/** /v2/images/{id}/tags/{tag}: add and remove one tag (glance.api.v2.image_tags). */
import { badRequest, forbidden, notFound, tooLarge } from './errors.ts';
import { type ImageApiDeps, type ImageRequestOf, type ImageResponse, noContent } from './http.ts';
import { findVisible, isMutable } from './policy.ts';
import type { ImageDTO } from './types.ts';

async function mutableImage(deps: ImageApiDeps, req: ImageRequestOf<'id'>, verb: 'update' | 'delete'): Promise<ImageDTO> {
  const id = req.params.id;
  const image = await findVisible(deps, req.ctx, id);
  if (!image) throw notFound(`Image ${id} not found.`);
  if (!isMutable(req.ctx, image)) throw forbidden(`Not allowed to ${verb} tags for image ${id}.`);
  return image;
}

/** PUT /v2/images/{id}/tags/{tag}: 204, also when the image already has the tag. */
export function update(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id' | 'tag'>): Promise<ImageResponse> => {
    const tag = req.params.tag;
    if (tag.length > 255) throw badRequest(`Could not update image: Provided object does not match schema 'image': '${tag}' is too long`);
    const image = await mutableImage(deps, req, 'update');
    if (image.tags.includes(tag)) return noContent();
    const tags = [...image.tags, tag];
    const max = deps.conf.image_tag_quota;
    if (max >= 0 && tags.length > max) {
      throw tooLarge(
        `Image tag limit exceeded for image ${image.id}: The limit has been exceeded on the number of allowed image tags. Attempted: ${tags.length}, Maximum: ${max}:`,
      );
    }
    if (!(await deps.images.update(image.id, {}, undefined, tags))) throw notFound(`Image ${image.id} not found.`);
    return noContent();
  };
}

/** DELETE /v2/images/{id}/tags/{tag}: 404 when the image has no such tag. */
export function remove(deps: ImageApiDeps) {
  return async (req: ImageRequestOf<'id' | 'tag'>): Promise<ImageResponse> => {
    const tag = req.params.tag;
    const image = await mutableImage(deps, req, 'delete');
    if (!image.tags.includes(tag)) throw notFound();
    if (
      !(await deps.images.update(
        image.id,
        {},
        undefined,
        image.tags.filter((t) => t !== tag),
      ))
    )
      throw notFound(`Image ${image.id} not found.`);
    return noContent();
  };
}
