/** Lookups and body checks every volume API module shares. */
import type { RequestContext } from '../context.ts';
import { badRequest, snapshotNotFound, volumeNotFound } from './errors.ts';
import type { VolumeDeps, VolumeRequest } from './http.ts';
import type { AttachmentDoc, SnapshotDoc, VolumeDoc, VolumeTypeDoc } from './model.ts';
import { owns } from './policy.ts';
import { volumeDetail } from './views.ts';

/** The volume if the caller may see it, else Cinder's 404. */
export async function findVolume(deps: VolumeDeps, ctx: RequestContext, id: string): Promise<VolumeDoc> {
  const v = await deps.store.get('volumes', id);
  if (!v || !owns(ctx, v)) throw volumeNotFound(id);
  return v;
}

export async function findSnapshot(deps: VolumeDeps, ctx: RequestContext, id: string): Promise<SnapshotDoc> {
  const s = await deps.store.get('snapshots', id);
  if (!s || !owns(ctx, s)) throw snapshotNotFound(id);
  return s;
}

/** The element `key` of the body, an object (Cinder's "Missing required element '<key>' in request body."). */
export function element(req: VolumeRequest, key: string): Record<string, unknown> {
  const b: unknown = req.body;
  const v = b && typeof b === 'object' && !Array.isArray(b) && key in b ? Object.entries(b).find(([k]) => k === key)?.[1] : undefined;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badRequest(`Missing required element '${key}' in request body.`);
  return Object.fromEntries(Object.entries(v));
}

/** A string field of at most 255 characters, or null/absent. */
export function optString(b: Readonly<Record<string, unknown>>, key: string, max = 255): string | null | undefined {
  const v = b[key];
  if (v === undefined || v === null) return v;
  if (typeof v !== 'string') throw badRequest(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'string'`);
  if (v.length > max) throw badRequest(`Invalid input for field/attribute ${key}. Value: ${v}. '${v}' is too long`);
  return v;
}

/** A metadata dictionary (string keys 1–255, string values up to 255). */
export function metadataOf(v: unknown, field = 'metadata'): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'object'`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.length < 1 || k.length > 255) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. Metadata key must be 1 to 255 characters.`);
    if (typeof x !== 'string') throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. ${JSON.stringify(x)} is not of type 'string'`);
    if (x.length > 255) throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. Metadata value is too long.`);
    out[k] = x;
  }
  return out;
}

/** A volume's type and attachments, for its view. */
export async function detailOf(deps: VolumeDeps, req: VolumeRequest, v: VolumeDoc): Promise<Record<string, unknown>> {
  const type = await deps.store.get('volume_types', v.volume_type_id);
  const atts = await deps.store.list('volume_attachments', { parent_id: v.id });
  return volumeDetail(req, v, type, atts);
}

/** Views of many volumes with one read of the types and attachments. */
export async function detailsOf(deps: VolumeDeps, req: VolumeRequest, vols: readonly VolumeDoc[]): Promise<Record<string, unknown>[]> {
  const types = new Map<string, VolumeTypeDoc>((await deps.store.list('volume_types')).map((t) => [t.id, t]));
  const atts = new Map<string, AttachmentDoc[]>();
  for (const a of vols.length ? await deps.store.list('volume_attachments', { parent_id: vols.map((v) => v.id) }) : []) {
    atts.set(a.volume_id, [...(atts.get(a.volume_id) ?? []), a]);
  }
  return vols.map((v) => volumeDetail(req, v, types.get(v.volume_type_id) ?? null, atts.get(v.id) ?? []));
}

/** A positive integer size (Cinder takes "2" as well as 2). */
export function sizeOf(v: unknown, what = 'size'): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n <= 0) {
    throw badRequest(
      `Invalid input received: Invalid volume ${what} provided for create request: ${String(v)} (${what} argument must be an integer (or string representation of an integer) and greater than zero).`,
    );
  }
  return n;
}
