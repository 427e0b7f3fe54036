/** Request schemas of the server tags (nova/api/openstack/compute/schemas/server_tags.py). */
import { Type } from 'typebox';
import { MAX_TAGS } from '../../../compute-api/api.ts';

/** nova.objects.tag.MAX_TAG_LENGTH. */
export const MAX_TAG_LENGTH = 60;

/** parameter_types.tag: 1–60 characters, no '/' or ','. */
export const tag = Type.String({ minLength: 1, maxLength: MAX_TAG_LENGTH, pattern: '^[^,/]*$' });

/** PUT /servers/{id}/tags: {"tags": [...]} with at most {@link MAX_TAGS} tags. */
export const updateAll = Type.Object({ tags: Type.Array(tag, { maxItems: MAX_TAGS }) }, { additionalProperties: false });

/** PUT /servers/{id}/tags/{tag}: no body (JSON null at most). */
export const update = Type.Null();
