/** _translate_attachment_detail_view (nova/api/openstack/compute/volume_attachments.py), per microversion. */
import type { BlockDeviceMappingDTO } from '../../../objects/block-device.ts';
import { atLeast, type Microversion } from '../../microversion.ts';

/** id (until 2.89), volumeId, serverId, device; tag from 2.70; delete_on_termination from 2.79; attachment_id and bdm_uuid from 2.89. */
export function attachmentView(bdm: BlockDeviceMappingDTO, version: Microversion): Record<string, unknown> {
  const withIds = atLeast(version, '2.89');
  const d: Record<string, unknown> = {};
  if (!withIds) d.id = bdm.volume_id;
  d.volumeId = bdm.volume_id;
  d.serverId = bdm.instance_uuid;
  if (bdm.device_name) d.device = bdm.device_name;
  if (atLeast(version, '2.70')) d.tag = bdm.tag;
  if (atLeast(version, '2.79')) d.delete_on_termination = bdm.delete_on_termination;
  if (withIds) {
    d.attachment_id = bdm.attachment_id;
    d.bdm_uuid = bdm.uuid;
  }
  return d;
}
