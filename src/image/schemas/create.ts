/**
 * POST /v2/images body → the new image's attributes, custom properties and
 * tags, with Glance's checks in Glance's order (RequestDeserializer.create,
 * then ImageFactory.new_image).
 */
import { isPlainObject } from '../../util/json-value.ts';
import { badRequest, forbidden } from '../errors.ts';
import type { ImageAttributes } from '../types.ts';
import { imageSchemaError, typedAttributes } from './validate.ts';

/** Attributes Glance refuses in a create body outright (403 read-only). */
const DISALLOWED = ['direct_url', 'self', 'file', 'schema', 'stores'];
/** Base attributes a create body may carry (the rest become custom properties). */
const BASE = [
  'checksum',
  'created_at',
  'container_format',
  'disk_format',
  'id',
  'min_disk',
  'min_ram',
  'name',
  'size',
  'virtual_size',
  'status',
  'owner',
  'updated_at',
  'visibility',
  'protected',
  'os_hidden',
];
/** Base attributes only Glance sets (ImageFactory._readonly_properties). */
export const READONLY = ['created_at', 'updated_at', 'status', 'checksum', 'os_hash_algo', 'os_hash_value', 'size', 'virtual_size'];
/** Custom property names Glance reserves. */
const RESERVED_PROPERTIES = ['owner', 'locations', 'deleted', 'deleted_at', 'direct_url', 'self', 'file', 'schema', 'location'];
/** Property names with this prefix are Glance's own. */
export const RESERVED_NAMESPACE = 'os_glance';

/** A checked create body. */
export interface CreateRequest {
  id?: string;
  attributes: ImageAttributes;
  properties: Record<string, string>;
  tags: string[];
}

/** Glance's message for a negative min_disk/min_ram. */
export function checkNotNegative(param: 'min_disk' | 'min_ram', value: number | undefined): void {
  if (value !== undefined && value < 0) throw badRequest(`Invalid value '${value}' for parameter '${param}': Cannot be a negative value.`);
  if (value !== undefined && value > INT_MAX) throw badRequest(`Invalid value '${value}' for parameter '${param}': Cannot be greater than ${INT_MAX}.`);
}

const INT_MAX = 2147483647;

/** Parse and check a create body (already JSON-decoded). */
export function parseCreate(body: unknown): CreateRequest {
  if (!isPlainObject(body)) {
    throw badRequest(`Provided object does not match schema 'image': ${JSON.stringify(body)} is not of type 'object'`);
  }
  const input = { ...body };
  for (const key of DISALLOWED) if (key in input) throw forbidden(`Attribute '${key}' is read-only.`);
  const invalid = imageSchemaError(input);
  if (invalid) throw badRequest(invalid);

  // The typed base attributes, read before `input` is split below.
  const given = typedAttributes(input);
  const id = given.id;
  const attributes: ImageAttributes = {};
  if (given.name !== undefined) attributes.name = given.name;
  if (given.visibility !== undefined) attributes.visibility = given.visibility;
  if (given.protected !== undefined) attributes.protected = given.protected;
  if (given.os_hidden !== undefined) attributes.os_hidden = given.os_hidden;
  if (given.min_disk !== undefined) attributes.min_disk = given.min_disk;
  if (given.min_ram !== undefined) attributes.min_ram = given.min_ram;
  if (given.disk_format !== undefined) attributes.disk_format = given.disk_format;
  if (given.container_format !== undefined) attributes.container_format = given.container_format;
  if (given.owner !== undefined) attributes.owner = given.owner;
  const tags = given.tags ?? [];
  delete input.tags;
  const base: Record<string, unknown> = {};
  for (const key of BASE) {
    if (key in input) {
      base[key] = input[key];
      delete input[key];
    }
  }
  const properties: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key.length > 255) throw badRequest('Custom property should not be greater than 255 characters.');
    if (key === 'location' || key === 'deleted' || key === 'deleted_at' || key.startsWith(RESERVED_NAMESPACE)) throw forbidden(`Attribute '${key}' is reserved.`);
    // A null value is only valid for schema properties that allow it (kernel_id, ramdisk_id): it means "not set".
    if (typeof value === 'string') properties[key] = value;
  }
  for (const key of READONLY) if (key in base) throw forbidden(`Attribute '${key}' is read-only.`);
  for (const key of RESERVED_PROPERTIES) if (key in input) throw forbidden(`Attribute '${key}' is reserved.`);

  checkNotNegative('min_disk', attributes.min_disk);
  checkNotNegative('min_ram', attributes.min_ram);
  return { id, attributes, properties, tags };
}
