/** shelve, shelveOffload and unshelve bodies (nova/api/openstack/compute/schemas/shelve.py), per microversion. */
import { Type } from 'typebox';

/** Any value under the action's key (Nova has not restricted it to null yet). */
const anyValue = Type.Unknown();

export const shelve = Type.Object({ shelve: anyValue }, { additionalProperties: false, required: ['shelve'] });
export const shelveOffload = Type.Object({ shelveOffload: anyValue }, { additionalProperties: false, required: ['shelveOffload'] });
/** 2.1–2.76: any value. */
export const unshelve = Type.Object({ unshelve: anyValue }, { additionalProperties: false, required: ['unshelve'] });

/** 2.77–2.90: null, or an availability_zone (1–255 characters; required: `{}` is refused). One schema with a type list, as Nova's (its messages follow). */
export const unshelveV277 = Type.Object(
  {
    unshelve: Type.Unsafe<{ availability_zone: string } | null>({
      type: ['object', 'null'],
      properties: { availability_zone: { type: 'string', minLength: 1, maxLength: 255 } },
      required: ['availability_zone'],
      additionalProperties: false,
    }),
  },
  { additionalProperties: false, required: ['unshelve'] },
);

/** 2.91+: null, or availability_zone (a name, or null to unpin) and/or host. */
export const unshelveV291 = Type.Object(
  {
    unshelve: Type.Unsafe<{ availability_zone?: string | null; host?: string } | null>({
      type: ['object', 'null'],
      properties: { availability_zone: { type: ['string', 'null'] }, host: { type: 'string' } },
      additionalProperties: false,
    }),
  },
  { additionalProperties: false, required: ['unshelve'] },
);
