import { type Static, Type } from 'typebox';
import { matches, schemaError } from '../../http/validation.ts';
import { badRequest } from '../errors.ts';
import { VISIBILITIES } from '../types.ts';
import { imageSchema } from './image.ts';

let schema: ReturnType<typeof imageSchema> | null = null;

/**
 * Validate (part of) an image against the image schema; returns Glance's
 * InvalidObject message, or null when valid.
 */
export function imageSchemaError(obj: Record<string, unknown>): string | null {
  schema ??= imageSchema();
  const e = schemaError(schema, obj);
  return e ? `Provided object does not match schema 'image': ${e.reason}` : null;
}

const nullableString = Type.Union([Type.String(), Type.Null()]);

/**
 * The base attributes a create or PATCH sets, with their types: no more than
 * the image schema (the document Glance serves, which is plain JSON) says
 * about them, so an object the image schema accepts matches this too.
 */
const settableAttributes = Type.Object({
  id: Type.Optional(Type.String()),
  name: Type.Optional(nullableString),
  visibility: Type.Optional(Type.Enum(VISIBILITIES)),
  protected: Type.Optional(Type.Boolean()),
  os_hidden: Type.Optional(Type.Boolean()),
  min_disk: Type.Optional(Type.Integer()),
  min_ram: Type.Optional(Type.Integer()),
  disk_format: Type.Optional(nullableString),
  container_format: Type.Optional(nullableString),
  owner: Type.Optional(nullableString),
  tags: Type.Optional(Type.Array(Type.String())),
});

export type SettableAttributes = Static<typeof settableAttributes>;

/**
 * `obj` (already checked with {@link imageSchemaError}) typed by its base
 * attributes. One the image schema accepted always matches; anything else
 * is the same 400.
 */
export function typedAttributes(obj: Record<string, unknown>): SettableAttributes {
  if (matches(settableAttributes, obj)) return obj;
  throw badRequest(imageSchemaError(obj) ?? "Provided object does not match schema 'image'");
}
