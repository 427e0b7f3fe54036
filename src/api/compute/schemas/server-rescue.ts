/** rescue and unrescue bodies (nova/api/openstack/compute/schemas/rescue.py). */
import { Type } from 'typebox';

/** null, or an adminPass and/or a rescue_image_ref (a uuid). One schema with a type list, as Nova's. */
export const rescue = Type.Object(
  {
    rescue: Type.Unsafe<{ adminPass?: string; rescue_image_ref?: string } | null>({
      type: ['object', 'null'],
      properties: { adminPass: { type: 'string' }, rescue_image_ref: { type: 'string', format: 'uuid' } },
      additionalProperties: false,
    }),
  },
  { additionalProperties: false, required: ['rescue'] },
);

export const unrescue = Type.Object({ unrescue: Type.Unknown() }, { additionalProperties: false, required: ['unrescue'] });
