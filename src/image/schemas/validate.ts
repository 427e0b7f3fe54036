import { schemaError } from '../../http/validation.ts';
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
