/**
 * PATCH /v2/images/{id} bodies: Glance's JSON-patch dialects
 * (application/openstack-images-v2.1-json-patch, RFC 6902 style `op`/`path`/
 * `value`; and the older v2.0 draft-4 style `{"replace": "/name", "value": …}`),
 * checked as glance.api.v2.images.RequestDeserializer.update does.
 */
import { isPlainObject } from '../../util/json-value.ts';
import { oneOf } from '../../util/one-of.ts';
import { badRequest, forbidden, GlanceError } from '../errors.ts';
import { RESERVED_NAMESPACE } from './create.ts';
import { imageSchemaError } from './validate.ts';

/** The PATCH content types and the JSON-schema draft each implies. */
export const PATCH_MEDIA_TYPES: Readonly<Record<string, 4 | 10>> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};

const OPS = ['add', 'remove', 'replace'] as const;
export type PatchOp = (typeof OPS)[number];

/** One change: `path` is the decoded JSON pointer (one element for everything but locations). */
export interface PatchChange {
  op: PatchOp;
  path: string[];
  value?: unknown;
  draft: 4 | 10;
}

const READONLY = ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value'];
const RESERVED = ['location', 'deleted', 'deleted_at'];
const DEPTH: Record<string, Partial<Record<PatchOp, number>>> = { locations: { add: 2, remove: 2, replace: 1 } };

/** 415 with Accept-Patch unless the Content-Type is one of the patch media types; returns the draft. */
export function patchDraft(mediaType: string): 4 | 10 {
  const draft = PATCH_MEDIA_TYPES[mediaType];
  if (draft) return draft;
  const allowed = Object.keys(PATCH_MEDIA_TYPES).sort().join(', ');
  throw new GlanceError(415, { detail: `Image PATCH expects Content-Type one of: ${allowed}`, headers: { 'accept-patch': allowed } });
}

function validatePointer(pointer: string): void {
  if (!pointer.startsWith('/')) throw badRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw badRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw badRequest(`Pointer \`${pointer}\` end with "/".`);
  if (pointer.slice(1).trim() === '/') throw badRequest(`Pointer \`${pointer}\` does not contains valid token.`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) throw badRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
}

function decodePointer(pointer: string): string[] {
  validatePointer(pointer);
  return pointer
    .replace(/^\/+/, '')
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

function opAndPath(raw: Record<string, unknown>, draft: 4 | 10): { op: PatchOp; pointer: unknown } {
  const available = OPS.join(', ');
  if (draft === 10) {
    const op = raw.op;
    if (op === undefined) throw badRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${available}.`);
    if (!oneOf(OPS, op)) throw badRequest(`Invalid operation: \`${String(op)}\`. It must be one of the following: ${available}.`);
    if (!('path' in raw)) throw badRequest("Unable to find 'path' in JSON Schema change");
    return { op, pointer: raw.path };
  }
  const present = OPS.filter((k) => k in raw);
  if (present.length > 1) throw badRequest('Operation objects must contain only one member named "add", "remove", or "replace".');
  const op = present[0];
  if (!op) throw badRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
  return { op, pointer: raw[op] };
}

function validateChange(change: PatchChange): void {
  const root = change.path[0] ?? '';
  if (READONLY.includes(root)) throw forbidden(`Attribute '${root}' is read-only.`);
  if (RESERVED.includes(root) || root.startsWith(RESERVED_NAMESPACE)) throw forbidden(`Attribute '${root}' is reserved.`);
  if (change.op === 'remove' || change.path.length !== 1) return;
  const invalid = imageSchemaError({ [root]: change.value });
  if (invalid) throw badRequest(invalid);
}

/** Parse a decoded PATCH body into changes, or throw Glance's 400/403. */
export function parsePatch(body: unknown, draft: 4 | 10): PatchChange[] {
  if (!Array.isArray(body)) throw badRequest('Request body must be a JSON array of operation objects.');
  return body.map((r: unknown) => {
    if (!isPlainObject(r)) throw badRequest('Operations must be JSON objects.');
    const { op, pointer } = opAndPath(r, draft);
    if (typeof pointer !== 'string') throw badRequest(`Pointer \`${String(pointer)}\` does not start with "/".`);
    const path = decodePointer(pointer);
    const root = path[0] ?? '';
    if (path.length !== (DEPTH[root]?.[op] ?? 1)) throw badRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    const change: PatchChange = { op, path, draft };
    if (op !== 'remove') {
      if (!('value' in r)) throw badRequest(`Operation "${op}" requires a member named "value".`);
      change.value = r.value;
    }
    validateChange(change);
    return change;
  });
}
