/**
 * Volumes that follow a server move (Nova's compute manager with Cinder's
 * 3.44 attachments). A host reaches a volume through an attachment made
 * with its connector; a move makes one for the new host and deletes the old
 * host's, so that after it the volume has one attachment, the new host's:
 *
 * - cold move and resize: the source lets its connections go once the guest
 *   is off (_terminate_volume_connections: a reservation without a
 *   connector replaces each attachment, the volume stays the instance's),
 *   the destination connects them at finish_resize and hands them to the
 *   driver (_update_volume_attachments, _complete_volume_attachments); a
 *   revert does the same the other way;
 * - live migration: the destination makes a second attachment per volume
 *   with its connector at pre_live_migration (the source's are kept in the
 *   migrate data as old_vol_attachment_ids); success deletes the source's,
 *   a rollback deletes the destination's and puts the source's back
 *   (_post_live_migration_remove_source_vol_connections,
 *   _rollback_volume_bdms);
 * - evacuate, rebuild, shelve offload and unshelve: the connections let go
 *   as above, then the build's prepBlockDevices connects them to the host
 *   that spawns the guest.
 */
import type { RequestContext } from '../context.ts';
import type { BdmConnectionInfo, BlockDeviceMappingDTO } from '../objects/block-device.ts';
import type { BlockDeviceInfo, DriverVolume } from '../virt/driver.ts';
import { connect, connectorOf, driverVolume, ROOT_DEVICE, type VolumeDeps, volumeOf } from './volumes.ts';

type Deps = VolumeDeps;

/** The instance's mappings of volumes it has an attachment of (Nova's bdm.is_volume and bdm.attachment_id), root first. */
export async function attachedVolumes(d: Deps, ctx: RequestContext, instanceUuid: string): Promise<BlockDeviceMappingDTO[]> {
  const all = await d.conductor.bdm_list(ctx, { instance_uuid: instanceUuid });
  return all.filter((b) => b.destination_type === 'volume' && b.volume_id && b.attachment_id).sort((x, y) => (x.boot_index ?? 99) - (y.boot_index ?? 99));
}

function blockDeviceInfo(volumes: readonly DriverVolume[]): BlockDeviceInfo | undefined {
  return volumes.length ? { root_device_name: ROOT_DEVICE, block_device_mapping: volumes } : undefined;
}

/**
 * Nova's _terminate_volume_connections: this host lets the instance's
 * volumes go; each attachment is replaced by a new one without a connector
 * (made first, so the volume stays reserved for the instance and is never
 * available to others meanwhile), and the mapping refers to it.
 */
export async function terminateConnections(d: Deps, ctx: RequestContext, instanceUuid: string): Promise<void> {
  const cinder = volumeOf(d);
  for (const b of await attachedVolumes(d, ctx, instanceUuid)) {
    const reserved = await cinder.attachmentCreate(ctx, b.volume_id ?? '', instanceUuid);
    await cinder.attachmentDelete(ctx, b.attachment_id ?? '');
    await d.conductor.bdm_update(ctx, { uuid: b.uuid, updates: { attachment_id: reserved.id, connection_info: null } });
  }
}

/** The volumes connected to this host by `connectHere`, and their attachments to complete once the driver has them. */
export interface Connected {
  readonly info: BlockDeviceInfo | undefined;
  readonly attachments: readonly string[];
}

/**
 * Nova's _update_volume_attachments and _get_instance_block_device_info
 * (refresh_conn_info): each attachment of the instance updated with this
 * host's connector; the connection_info saved in the mappings and given to
 * the driver as the block device info.
 */
export async function connectHere(d: Deps, ctx: RequestContext, instanceUuid: string): Promise<Connected> {
  const volumes: DriverVolume[] = [];
  const attachments: string[] = [];
  for (const b of await attachedVolumes(d, ctx, instanceUuid)) {
    const c = await connect(d, ctx, b);
    volumes.push(driverVolume(c.bdm, c.info));
    attachments.push(b.attachment_id ?? '');
  }
  return { info: blockDeviceInfo(volumes), attachments };
}

/** Nova's _complete_volume_attachments: the volumes are in-use by this host's attachments. */
export async function completeAttachments(d: Deps, ctx: RequestContext, connected: Pick<Connected, 'attachments'>): Promise<void> {
  for (const id of connected.attachments) await volumeOf(d).attachmentComplete(ctx, id);
}

/** connectHere, then completeAttachments (a failure path's reconnection, where no driver step waits in between). */
export async function reconnectHere(d: Deps, ctx: RequestContext, instanceUuid: string): Promise<BlockDeviceInfo | undefined> {
  const c = await connectHere(d, ctx, instanceUuid);
  await completeAttachments(d, ctx, c);
  return c.info;
}

/** The destination's volumes of a live migration being prepared, and the attachments they replace by volume (Nova's old_vol_attachment_ids). */
export interface LiveMigrationVolumes extends Connected {
  readonly old: Readonly<Record<string, string>>;
  /** The mappings as they were (the source's attachments and connection_info), for a rollback. */
  readonly source: readonly BlockDeviceMappingDTO[];
}

/**
 * pre_live_migration's volumes (Nova's _do_pre_live_migration): per
 * volume a new attachment made with this (the destination's) connector,
 * the mapping pointed at it with its connection_info; the source's
 * attachment is kept for a rollback. A failure half way gives back what it
 * made.
 */
export async function attachForLiveMigration(d: Deps, ctx: RequestContext, instanceUuid: string): Promise<LiveMigrationVolumes> {
  const cinder = volumeOf(d);
  const old: Record<string, string> = {};
  const volumes: DriverVolume[] = [];
  const attachments: string[] = [];
  const made: { bdm: BlockDeviceMappingDTO; attachment: string }[] = [];
  const source = await attachedVolumes(d, ctx, instanceUuid);
  try {
    for (const b of source) {
      const volumeId = b.volume_id ?? '';
      const att = await cinder.attachmentCreate(ctx, volumeId, instanceUuid, connectorOf(d), b.device_name);
      made.push({ bdm: b, attachment: att.id });
      if (!att.connection_info) throw new Error(`The volume service gave no connection_info for attachment ${att.id} of volume ${volumeId}.`);
      const info: BdmConnectionInfo = { ...att.connection_info, serial: volumeId };
      const saved = await d.conductor.bdm_update(ctx, { uuid: b.uuid, updates: { attachment_id: att.id, connection_info: info } });
      old[volumeId] = b.attachment_id ?? '';
      volumes.push(driverVolume(saved, info));
      attachments.push(att.id);
    }
  } catch (e) {
    await giveBack(d, ctx, made);
    throw e;
  }
  return { info: blockDeviceInfo(volumes), attachments, old, source };
}

/**
 * The attachment deleted; a failure is logged as a warning (with the
 * instance, volume and error) and the caller goes on, as Nova's cleanups do.
 */
async function deleteAttachmentOrWarn(
  d: Deps,
  ctx: RequestContext,
  attachment: string,
  fields: { readonly instance: string; readonly volume: string | null },
  message: string,
): Promise<void> {
  await volumeOf(d)
    .attachmentDelete(ctx, attachment)
    .catch((e: unknown) => d.log.warn({ ...fields, err: String(e) }, message));
}

/** The destination's attachments deleted and the mappings back on the source's (its attachment and connection_info). */
async function giveBack(d: Deps, ctx: RequestContext, made: readonly { bdm: BlockDeviceMappingDTO; attachment: string }[]): Promise<void> {
  for (const { bdm, attachment } of made) {
    await deleteAttachmentOrWarn(d, ctx, attachment, { instance: bdm.instance_uuid, volume: bdm.volume_id }, `could not delete attachment ${attachment}`);
    await d.conductor.bdm_update(ctx, { uuid: bdm.uuid, updates: { attachment_id: bdm.attachment_id, connection_info: bdm.connection_info } });
  }
}

/**
 * Source of a finished live migration (Nova's
 * _post_live_migration_remove_source_vol_connections): the attachments
 * the mappings had before the move (`sourceBdms`) are deleted, unless the
 * destination kept them.
 */
export async function deleteSourceAttachments(d: Deps, ctx: RequestContext, instanceUuid: string, sourceBdms: readonly BlockDeviceMappingDTO[]): Promise<void> {
  const now = new Map((await attachedVolumes(d, ctx, instanceUuid)).map((b) => [b.uuid, b.attachment_id]));
  for (const b of sourceBdms) {
    if (!b.attachment_id || now.get(b.uuid) === b.attachment_id) continue;
    await deleteAttachmentOrWarn(d, ctx, b.attachment_id, { instance: instanceUuid, volume: b.volume_id }, `could not delete the source's attachment ${b.attachment_id}`);
  }
}

/**
 * Source of a failed live migration (Nova's _rollback_volume_bdms): a
 * mapping that refers to another attachment than before the move (the
 * destination's) has that one deleted and gets its own attachment and
 * connection_info back.
 */
export async function rollbackVolumeBdms(d: Deps, ctx: RequestContext, instanceUuid: string, sourceBdms: readonly BlockDeviceMappingDTO[]): Promise<void> {
  const before = new Map(sourceBdms.map((b) => [b.uuid, b]));
  const made: { bdm: BlockDeviceMappingDTO; attachment: string }[] = [];
  for (const now of await attachedVolumes(d, ctx, instanceUuid)) {
    const was = before.get(now.uuid);
    if (!was?.attachment_id || !now.attachment_id || now.attachment_id === was.attachment_id) continue;
    made.push({ bdm: was, attachment: now.attachment_id });
  }
  await giveBack(d, ctx, made);
}
