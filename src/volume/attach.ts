/**
 * Attaching as Cinder's volume API and manager do it, shared by the
 * attachment API (3.27+) and the legacy actions: reserve a volume for an
 * instance, export it for a connector (the driver's NBD export, Cinder's
 * connection_info), complete, and finish a detach (the export ended, the
 * volume available again when nothing else is attached).
 */
import { randomUUID } from 'node:crypto';
import { apiTime, dbNow } from './db/store.ts';
import { conflict, invalidVolume } from './errors.ts';
import type { VolumeDeps } from './http.ts';
import type { AttachmentDoc, VolumeDoc } from './model.ts';

const dbNowApi = (): string => apiTime(dbNow());

/** Make an attachment in 'reserved' and the volume 'reserved' (Cinder's _attachment_reserve). */
export async function reserve(deps: VolumeDeps, v: VolumeDoc, instance: string | null, mode: AttachmentDoc['attach_mode']): Promise<AttachmentDoc> {
  if (v.status.includes('error')) {
    throw invalidVolume(`Volume attachments can not be created if the volume is in an error state. The Volume ${v.id} currently has a status of: ${v.status} `);
  }
  const expected = v.multiattach ? ['available', 'in-use', 'downloading'] : ['available', 'downloading'];
  const moved = await deps.store.update('volumes', v.id, { status: 'reserved' }, expected);
  if (!moved) {
    const current = (await deps.store.get('volumes', v.id)) ?? v;
    const same =
      instance !== null &&
      ['in-use', 'reserved'].includes(current.status) &&
      (await deps.store.list('volume_attachments', { parent_id: v.id })).some((a) => a.instance_uuid === instance);
    if (!same) throw invalidVolume(`Volume ${v.id} status must be ${expected.join(' or ')} to reserve, but the current status is ${current.status}.`);
  }
  return deps.store.insert('volume_attachments', {
    id: randomUUID(),
    // The volume's project, whoever reserves (Cinder's VolumeAttachment.project_id): an admin's attachment stays its owner's.
    project_id: v.project_id,
    volume_id: v.id,
    instance_uuid: instance,
    attach_status: 'reserved',
    attach_mode: mode,
    connector: null,
    connection_info: null,
    attached_host: null,
    mountpoint: null,
    attach_time: null,
    detach_time: null,
  });
}

/** Export the volume for `connector` (attachment_update): the attachment and the volume attaching, with connection_info. */
export async function connect(deps: VolumeDeps, a: AttachmentDoc, connector: Record<string, unknown>): Promise<AttachmentDoc> {
  const v = await deps.store.get('volumes', a.volume_id);
  if (!v) throw conflict(`Conflict occurred attempting to process request: volume ${a.volume_id} is gone.`);
  if (v.status.includes('error')) {
    throw conflict(
      `Conflict occurred attempting to process request: Volume attachments can not be updated if the volume is in an error state. The Volume ${v.id} currently has a status of: ${v.status} `,
    );
  }
  const host = typeof connector.host === 'string' ? connector.host : '';
  const ip = typeof connector.ip === 'string' ? connector.ip : '';
  const mode = a.attach_mode === 'ro' || v.readonly_flag ? 'ro' : 'rw';
  let conn: Awaited<ReturnType<VolumeDeps['driver']['exportVolume']>>;
  try {
    conn = await deps.driver.exportVolume(v.id, a.id, { ...connector, host, ip }, mode);
  } catch (e) {
    await deps.store.update('volume_attachments', a.id, { attach_status: 'error_attaching' });
    throw e;
  }
  const info = { driver_volume_type: conn.driver_volume_type, data: { ...conn.data, encrypted: false, discard: false } };
  const mountpoint = typeof connector.mountpoint === 'string' ? connector.mountpoint : (a.mountpoint ?? null);
  const updated = await deps.store.update('volume_attachments', a.id, {
    attach_status: a.attach_status === 'attached' ? 'attached' : 'attaching',
    connector,
    connection_info: info,
    attached_host: host,
    mountpoint,
    attach_mode: mode,
    attach_time: dbNowApi(),
  });
  if (v.status !== 'in-use') await deps.store.update('volumes', v.id, { status: 'attaching' });
  return updated ?? a;
}

/** os-complete / os-attach: the attachment attached, the volume in-use. */
export async function complete(deps: VolumeDeps, a: AttachmentDoc): Promise<void> {
  await deps.store.update('volume_attachments', a.id, { attach_status: 'attached', attach_time: a.attach_time ?? dbNowApi() });
  await deps.store.update('volumes', a.volume_id, { status: 'in-use', attach_status: 'attached' });
}

/** The attachment states a volume with attachments left takes after a detach, first found first: [attach_status, status]. */
const LEFT_STATES: readonly (readonly [string, string])[] = [
  ['attached', 'in-use'],
  ['attaching', 'attaching'],
  ['detaching', 'detaching'],
  ['reserved', 'reserved'],
];

/** End an attachment (attachment_delete, os-detach): its export ended, the volume available when no other attachment is left. */
export async function detach(deps: VolumeDeps, a: AttachmentDoc): Promise<AttachmentDoc[]> {
  if (a.connection_info) await deps.driver.unexportVolume(a.volume_id, a.id);
  await deps.store.delete('volume_attachments', a.id);
  const left = await deps.store.list('volume_attachments', { parent_id: a.volume_id });
  const v = await deps.store.get('volumes', a.volume_id);
  if (v && !['deleting', 'error_deleting'].includes(v.status)) {
    // The volume takes the state of what is left, attached > attaching > detaching > reserved (Cinder's attachment_delete).
    const states = new Set(left.map((x) => x.attach_status));
    const next = LEFT_STATES.find(([attach]) => states.has(attach));
    if (left.length === 0) await deps.store.update('volumes', v.id, { status: 'available', attach_status: 'detached' });
    else if (next) await deps.store.update('volumes', v.id, { status: next[1], attach_status: next[0] });
  }
  return left;
}
