/**
 * Cinder's views (cinder/api/v3/views): volumes (summary and detail, by
 * microversion and caller), snapshots, attachments, volume types, links.
 */
import type { RequestContext } from '../context.ts';
import { atLeast } from '../http/microversion.ts';
import type { VolumeRequest } from './http.ts';
import type { AttachmentDoc, SnapshotDoc, VolumeDoc, VolumeTypeDoc } from './model.ts';

/** The project segment of links: the URL's, as Cinder keeps it (empty for project-less URLs). */
function projectSegment(req: VolumeRequest): string {
  return req.ctx.project_id ?? '';
}

export function links(req: VolumeRequest, collection: string, id: string): { href: string; rel: string }[] {
  const p = projectSegment(req);
  return [
    { href: `${req.baseUrl}/v3/${p}/${collection}/${id}`, rel: 'self' },
    { href: `${req.baseUrl}/${p}/${collection}/${id}`, rel: 'bookmark' },
  ];
}

/** The next link of a page that is full (Cinder's _get_collection_links). */
export function nextLink(req: VolumeRequest, collection: string, lastId: string): { href: string; rel: string } {
  const params = new URLSearchParams(req.search);
  params.set('marker', lastId);
  return { href: `${req.baseUrl}/v3/${projectSegment(req)}/${collection}?${params.toString()}`, rel: 'next' };
}

export function volumeSummary(req: VolumeRequest, v: VolumeDoc): Record<string, unknown> {
  return { id: v.id, name: v.name, links: links(req, 'volumes', v.id) };
}

const SHOWN_STATUS: Record<string, string> = { managing: 'creating', error_managing: 'error', error_managing_deleting: 'deleting' };

function attachmentsOf(ctx: RequestContext, atts: readonly AttachmentDoc[]): Record<string, unknown>[] {
  return atts
    .filter((a) => a.attach_status === 'attached')
    .map((a) => ({
      id: a.volume_id,
      attachment_id: a.id,
      volume_id: a.volume_id,
      server_id: a.instance_uuid,
      host_name: ctx.is_admin || ctx.roles.includes('service') ? a.attached_host : null,
      device: a.mountpoint,
      attached_at: a.attach_time,
    }));
}

/** The volume's metadata with the visible admin metadata Cinder merges in (readonly, attached_mode). */
function visibleMetadata(v: VolumeDoc, atts: readonly AttachmentDoc[]): Record<string, string> {
  const out = { ...v.metadata };
  if (v.readonly_flag !== undefined) out.readonly = v.readonly_flag ? 'True' : 'False';
  const attached = atts.find((a) => a.attach_status === 'attached');
  if (attached) out.attached_mode = attached.attach_mode === 'null' ? 'rw' : attached.attach_mode;
  return out;
}

/** The detail view of a volume; `type` its volume type, `atts` its attachments. */
export function volumeDetail(req: VolumeRequest, v: VolumeDoc, type: VolumeTypeDoc | null, atts: readonly AttachmentDoc[]): Record<string, unknown> {
  const { ctx, version } = req;
  const out: Record<string, unknown> = {
    id: v.id,
    status: SHOWN_STATUS[v.status] ?? v.status,
    size: v.size,
    availability_zone: v.availability_zone,
    created_at: v.created_at,
    updated_at: v.updated_at,
    name: v.name,
    description: v.description,
    volume_type: type ? type.name : v.volume_type_id,
    snapshot_id: v.snapshot_id,
    source_volid: v.source_volid,
    metadata: visibleMetadata(v, atts),
    links: links(req, 'volumes', v.id),
    user_id: v.user_id,
    bootable: String(v.bootable),
    encrypted: false,
    replication_status: v.replication_status,
    consistencygroup_id: null,
    multiattach: v.multiattach,
    attachments: attachmentsOf(ctx, atts),
    'os-vol-tenant-attr:tenant_id': v.project_id,
  };
  if (v.image_metadata) out.volume_image_metadata = v.image_metadata;
  if (ctx.is_admin) {
    out.migration_status = v.migration_status;
    out['os-vol-host-attr:host'] = v.host;
    out['os-vol-mig-status-attr:migstat'] = v.migration_status;
    out['os-vol-mig-status-attr:name_id'] = null;
  }
  if (atLeast(version, '3.13')) out.group_id = null;
  if (ctx.is_admin && atLeast(version, '3.21')) out.provider_id = null;
  if (atLeast(version, '3.48')) {
    out.shared_targets = false;
    out.service_uuid = null;
  }
  if (ctx.is_admin && atLeast(version, '3.61')) out.cluster_name = null;
  if (atLeast(version, '3.63')) out.volume_type_id = v.volume_type_id;
  if (atLeast(version, '3.65')) out.consumes_quota = true;
  return out;
}

export function snapshotView(req: VolumeRequest, s: SnapshotDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: s.id,
    created_at: s.created_at,
    updated_at: s.updated_at,
    name: s.name,
    description: s.description,
    volume_id: s.volume_id,
    status: s.status,
    size: s.size,
    metadata: s.metadata,
    'os-extended-snapshot-attributes:progress': s.progress,
    'os-extended-snapshot-attributes:project_id': s.project_id,
  };
  if (atLeast(req.version, '3.14')) out.group_snapshot_id = null;
  if (atLeast(req.version, '3.41')) out.user_id = s.user_id;
  if (atLeast(req.version, '3.65')) out.consumes_quota = true;
  return out;
}

export function attachmentSummary(a: AttachmentDoc): Record<string, unknown> {
  return { id: a.id, status: a.attach_status, instance: a.instance_uuid, volume_id: a.volume_id };
}

export function attachmentDetail(a: AttachmentDoc): Record<string, unknown> {
  return {
    ...attachmentSummary(a),
    attached_at: a.attach_time ?? '',
    detached_at: a.detach_time ?? '',
    attach_mode: a.attach_mode,
    connection_info: a.connection_info ?? {},
  };
}

export function typeView(req: VolumeRequest, t: VolumeTypeDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    name: t.name,
    description: t.description,
    is_public: t.is_public,
    'os-volume-type-access:is_public': t.is_public,
    extra_specs: t.extra_specs,
  };
  if (req.ctx.is_admin) out.qos_specs_id = null;
  return out;
}
