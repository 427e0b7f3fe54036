/** Request schemas of flavors and flavor-manage (nova/api/openstack/compute/schemas/flavors.py, flavor_manage.py). */
import { Type } from 'typebox';
import { FLAVOR_SORT_KEYS } from '../../../db/api/flavors.ts';
import { boolean, DESCRIPTION_PATTERN, integerOrDigits, MAX_INT } from './parameter-types.ts';
import { PAGINATION, type QuerySpec } from './query.ts';

export const VALID_SORT_KEYS = FLAVOR_SORT_KEYS;

/** GET /flavors and /flavors/detail (additional parameters are a 400 from 2.75). */
export const indexQuery: QuerySpec = {
  ...PAGINATION,
  is_public: {},
  minRam: {},
  minDisk: {},
  sort_key: { enum: VALID_SORT_KEYS },
  sort_dir: { enum: ['asc', 'desc'] },
};

/** Integer fields: [name in the body, minimum]; strings of digits are range checked in code, as Nova's validator does. */
export const INTEGER_FIELDS = [
  ['ram', 1],
  ['vcpus', 1],
  ['disk', 0],
  ['OS-FLV-EXT-DATA:ephemeral', 0],
  ['swap', 0],
] as const;

const positive = integerOrDigits();
const nonNegative = integerOrDigits();

const flavorProps = {
  name: Type.String({ minLength: 1, maxLength: 255 }),
  id: Type.Optional(Type.Unsafe<string | number | null>({ type: ['string', 'number', 'null'], minLength: 1, maxLength: 255, pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$' })),
  ram: positive,
  vcpus: positive,
  disk: nonNegative,
  'OS-FLV-EXT-DATA:ephemeral': Type.Optional(nonNegative),
  swap: Type.Optional(nonNegative),
  rxtx_factor: Type.Optional(Type.Unsafe<number | string>({ type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$' })),
  'os-flavor-access:is_public': Type.Optional(boolean),
};

const description = Type.Unsafe<string | null>({ type: ['string', 'null'], minLength: 0, maxLength: 65535, pattern: DESCRIPTION_PATTERN });

/** POST /flavors, 2.1–2.54. */
export const create = Type.Object({ flavor: Type.Object(flavorProps, { additionalProperties: false }) }, { additionalProperties: false });

/** POST /flavors from 2.55: adds description. */
export const createV255 = Type.Object(
  { flavor: Type.Object({ ...flavorProps, description: Type.Optional(description) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

/** PUT /flavors/{id} (2.55+): only the description. */
export const updateV255 = Type.Object({ flavor: Type.Object({ description }, { additionalProperties: false }) }, { additionalProperties: false });

/** rxtx_factor: a positive float up to SQL_SP_FLOAT_MAX. */
export const RXTX_MAX = 3.40282e38;
export { MAX_INT };
