/** The deprecated proxies' views (_translate_volume_summary_view, _translate_snapshot_summary_view), over cinder.API's untranslated volume. */
import type { CinderSnapshot, CinderVolume } from '../../../clients/cinder.ts';

export function volumeView(v: CinderVolume): Record<string, unknown> {
  const first = v.attachments[0];
  const attachments: Record<string, unknown>[] = [{}];
  if (first && (v.attach_status === 'attached' || v.status === 'in-use')) {
    const a: Record<string, unknown> = { id: v.id, volumeId: v.id, serverId: first.server_id };
    if (first.device) a.device = first.device;
    attachments[0] = a;
  }
  return {
    id: v.id,
    status: v.status,
    size: v.size,
    availabilityZone: v.availability_zone,
    createdAt: v.created_at ?? null,
    attachments,
    displayName: v.name,
    displayDescription: v.description ?? null,
    volumeType: v.volume_type ?? null,
    snapshotId: v.snapshot_id ?? null,
    metadata: v.metadata ?? {},
  };
}

export function snapshotView(s: CinderSnapshot): Record<string, unknown> {
  return {
    id: s.id,
    volumeId: s.volume_id,
    status: s.status,
    size: s.size,
    createdAt: s.created_at ?? null,
    displayName: s.name,
    displayDescription: s.description,
  };
}
