/** POST /os-aggregates/{id}/images (nova/api/openstack/compute/schemas/aggregate_images.py). */
import { Type } from 'typebox';

/** {"cache": [{"id": <image uuid>}, …]}, at least one. */
export const imagesV281 = Type.Object(
  { cache: Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }), { minItems: 1 }) },
  { additionalProperties: false },
);
