/** Request schemas of flavor extra specs (nova/api/openstack/compute/schemas/flavors_extraspecs.py). */
import { Type } from 'typebox';

/** Keys of parameter_types.metadata; values may be strings or numbers here. */
export const KEY_PATTERN = '^[a-zA-Z0-9-_:. ]{1,255}$';

const specValue = Type.Unsafe<string | number>({ type: ['string', 'number'], maxLength: 255 });
/** {key: value} with keys of KEY_PATTERN and nothing else. */
const specs = (options: { minProperties?: number; maxProperties?: number } = {}) =>
  Type.Record(Type.String({ pattern: KEY_PATTERN }), specValue, { additionalProperties: false, ...options });

/** POST /flavors/{flavor_id}/os-extra_specs */
export const create = Type.Object({ extra_specs: specs() }, { additionalProperties: false });

/** PUT /flavors/{flavor_id}/os-extra_specs/{key}: exactly one key. */
export const update = specs({ minProperties: 1, maxProperties: 1 });
