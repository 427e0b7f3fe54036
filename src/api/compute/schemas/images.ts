/** Request schemas of the image proxy (nova/api/openstack/compute/schemas/image_metadata.py). */
import { Type } from 'typebox';

/** parameter_types.metadata: keys 1–255 of [a-zA-Z0-9-_:. ], string values up to 255. */
const metadata = Type.Record(Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-_:. ]{1,255}$' }), Type.String({ maxLength: 255 }), {
  additionalProperties: false,
});

/** POST /images/{id}/metadata and PUT (update_all): {"metadata": {…}}. */
export const create = Type.Object({ metadata }, { additionalProperties: false });
export const updateAll = create;

/** PUT /images/{id}/metadata/{key}: {"meta": {key: value}}, exactly one item. */
export const update = Type.Object(
  {
    meta: Type.Record(Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-_:. ]{1,255}$' }), Type.String({ maxLength: 255 }), {
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
    }),
  },
  { additionalProperties: false },
);
