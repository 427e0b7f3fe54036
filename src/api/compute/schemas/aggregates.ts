/**
 * Request schemas of os-aggregates (nova/api/openstack/compute/schemas/aggregates.py),
 * and the `name` / `az_name` formats Nova's validator checks on top of them.
 */
import { Type } from 'typebox';
import { badRequest } from '../../errors.ts';

/** parameter_types.fqdn: a host name (underscores allowed). */
const fqdn = Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' });
const name = Type.String({ minLength: 1, maxLength: 255 });
/** az_name or null. */
const availabilityZone = Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Null()]);

/** POST /os-aggregates {"aggregate": {"name", "availability_zone"}} */
export const create = Type.Object(
  { aggregate: Type.Object({ name, availability_zone: Type.Optional(availabilityZone) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

/** PUT /os-aggregates/{id}: name and/or availability_zone. */
export const update = Type.Object(
  {
    aggregate: Type.Object(
      { name: Type.Optional(name), availability_zone: Type.Optional(availabilityZone) },
      { additionalProperties: false, anyOf: [{ required: ['name'] }, { required: ['availability_zone'] }] },
    ),
  },
  { additionalProperties: false },
);

const host = Type.Object({ host: fqdn }, { additionalProperties: false });

/** POST /os-aggregates/{id}/action {"add_host": {"host"}} */
export const addHost = Type.Object({ add_host: host }, { additionalProperties: false });

/** POST /os-aggregates/{id}/action {"remove_host": {"host"}} */
export const removeHost = Type.Object({ remove_host: host }, { additionalProperties: false });

/** parameter_types.metadata_with_null: keys of the metadata pattern, string (≤255) or null values. */
const metadataWithNull = Type.Record(
  Type.String({ pattern: '^[a-zA-Z0-9-_:. ]{1,255}$' }),
  // A type list, as Nova's schema has it (a union would be anyOf, with other messages).
  Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength: 255 }),
  { additionalProperties: false },
);

/** POST /os-aggregates/{id}/action {"set_metadata": {"metadata": {k: v | null}}} */
export const setMetadata = Type.Object({ set_metadata: Type.Object({ metadata: metadataWithNull }, { additionalProperties: false }) }, { additionalProperties: false });

/** Printable characters (Nova's _build_regex_range): no control, format or line/paragraph separators. */
const PRINTABLE = '(?![\\p{C}\\p{Zl}\\p{Zp}])[\\u0000-\\uFFFF]';
const EDGE = '[\\p{C}\\p{Z}]';
const NAME_RE = new RegExp(`^(?!${EDGE})(?:${PRINTABLE})*(?<!${EDGE})$`, 'u');
const AZ_NAME_RE = new RegExp(`^(?!${EDGE})(?:(?!:)${PRINTABLE})*(?<!${EDGE})$`, 'u');
const SPACED_NAME_RE = new RegExp(`^(?:${PRINTABLE})*(?:(?!${EDGE})${PRINTABLE})(?:${PRINTABLE})*$`, 'u');

const invalidName = (reason: string) => badRequest(`An invalid 'name' value was provided. The name must be: ${reason}`);

/** parameter_types.name: printable, no leading or trailing whitespace. */
export function checkName(value: string): void {
  if (!NAME_RE.test(value)) throw invalidName('printable characters. Can not start or end with whitespace.');
}

/** parameter_types.name_with_leading_trailing_spaces: printable, at least one non-space character. */
export function checkNameWithSpaces(value: string): void {
  if (!SPACED_NAME_RE.test(value)) throw invalidName('printable characters with at least one non space character');
}

/** parameter_types.az_name: printable except ':', no leading or trailing whitespace. */
export function checkAzName(value: string): void {
  if (!AZ_NAME_RE.test(value)) throw invalidName('printable characters except :.Can not start or end with whitespace.');
}
