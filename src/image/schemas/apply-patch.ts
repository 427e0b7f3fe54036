/**
 * Apply parsed PATCH changes to an image, as ImagesController._do_add/
 * _do_replace/_do_remove do on Glance's domain Image (with its setters'
 * checks). The result is the new state; the caller saves it.
 */
import type { RequestContext } from '../../context.ts';
import { badRequest, conflict, forbidden, GlanceError } from '../errors.ts';
import { assertMutable, assertVisibilityAllowed } from '../policy.ts';
import type { ImageAttributes, ImageDTO } from '../types.ts';
import { checkNotNegative } from './create.ts';
import type { PatchChange } from './patch.ts';
import { imageSchemaError, typedAttributes } from './validate.ts';

/** Attributes of Glance's domain Image (what `hasattr(image, path)` is true for). */
const ATTRIBUTES = new Set([
  'name',
  'visibility',
  'os_hidden',
  'min_disk',
  'min_ram',
  'protected',
  'locations',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'owner',
  'disk_format',
  'container_format',
  'size',
  'virtual_size',
  'tags',
  'status',
  'created_at',
  'updated_at',
]);

/** An image's new state after a patch. */
export interface PatchedImage {
  attributes: ImageAttributes;
  properties: Record<string, string>;
  tags: string[];
  /** Whether properties or tags changed (they are then rewritten). */
  propertiesChanged: boolean;
  tagsChanged: boolean;
}

function setAttribute(ctx: RequestContext, image: ImageDTO, out: PatchedImage, name: string, value: unknown): void {
  // parsePatch checked `{name: value}` against the image schema; this gives the value its type.
  const given = () => typedAttributes({ [name]: value });
  switch (name) {
    case 'tags':
      out.tags = [...new Set(given().tags)];
      out.tagsChanged = true;
      return;
    case 'disk_format':
    case 'container_format':
      if (image.status !== 'queued' && image.status !== 'importing') throw forbidden(`Attribute ${name} can be only replaced for a queued image.`);
      out.attributes[name] = given()[name];
      return;
    case 'min_disk':
    case 'min_ram': {
      const n = given()[name];
      checkNotNegative(name, n);
      out.attributes[name] = n;
      return;
    }
    case 'owner':
      if (!ctx.is_admin) throw new GlanceError(403, { detail: "Owner can't be updated by non admin." });
      out.attributes.owner = given().owner;
      return;
    case 'name':
      out.attributes.name = given().name;
      return;
    case 'visibility':
      out.attributes.visibility = given().visibility;
      return;
    case 'protected':
      out.attributes.protected = given().protected;
      return;
    case 'os_hidden':
      out.attributes.os_hidden = given().os_hidden;
      return;
    case 'locations':
      throw forbidden("It's not allowed to update locations if locations are invisible.");
    default:
      throw forbidden(`Attribute '${name}' is read-only.`);
  }
}

function setProperty(out: PatchedImage, name: string, value: unknown): void {
  // null is valid only for schema properties that allow it (kernel_id, ramdisk_id): it unsets them.
  // Any other value is a string: the image schema has only string custom properties (parsePatch checked it).
  if (value === null) delete out.properties[name];
  else if (typeof value === 'string') out.properties[name] = value;
  else throw badRequest(imageSchemaError({ [name]: value }) ?? `Provided object does not match schema 'image': ${name} is not a string`);
  out.propertiesChanged = true;
}

/** Apply `changes` in order; throws Glance's 403/409/400 on the first bad one. */
export function applyPatch(ctx: RequestContext, image: ImageDTO, changes: readonly PatchChange[]): PatchedImage {
  const out: PatchedImage = { attributes: {}, properties: { ...image.properties }, tags: [...image.tags], propertiesChanged: false, tagsChanged: false };
  for (const change of changes) {
    const name = change.path[0] ?? '';
    if (name === 'owner' && change.op === 'replace' && !ctx.is_admin) throw new GlanceError(403, { detail: "Owner can't be updated by non admin." });
    if (name === 'visibility') assertVisibilityAllowed(ctx, change.value);
    assertMutable(ctx, image);
    const isAttribute = ATTRIBUTES.has(name);
    const exists = name in out.properties;
    if (change.op === 'remove') {
      if (isAttribute) throw forbidden(`Property ${name} may not be removed.`);
      if (!exists) throw conflict(`Property ${name} does not exist.`);
      delete out.properties[name];
      out.propertiesChanged = true;
    } else if (change.op === 'replace') {
      if (isAttribute) setAttribute(ctx, image, out, name, change.value);
      else if (exists) setProperty(out, name, change.value);
      else throw conflict(`Property ${name} does not exist.`);
    } else {
      if (change.draft === 4 && (isAttribute || exists)) throw conflict(`Property ${name} already present.`);
      if (isAttribute) setAttribute(ctx, image, out, name, change.value);
      else setProperty(out, name, change.value);
    }
  }
  if (out.attributes.visibility !== undefined && !['community', 'public', 'private', 'shared'].includes(out.attributes.visibility)) {
    throw badRequest('Visibility must be one of "community", "public", "private", or "shared"');
  }
  return out;
}
