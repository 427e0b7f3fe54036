import { randomUUID } from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import { VolumeBDMNotFound } from '../../exception/volume.ts';
import {
  BDM_VERSION,
  type BdmConnectionInfo,
  type BdmDestinationType,
  type BdmSourceType,
  type BlockDeviceMappingDTO,
  type BlockDeviceMappingFields,
  type BlockDeviceMappingUpdate,
} from '../../objects/block-device.ts';
import type { BlockDeviceMappingTable } from '../schema.ts';
import { dbTime } from '../time.ts';
import { bool, type Db, insertedId, parseJson } from './common.ts';

const toDTO = (r: Selectable<BlockDeviceMappingTable>): BlockDeviceMappingDTO => ({
  version: BDM_VERSION,
  id: r.id,
  uuid: r.uuid,
  instance_uuid: r.instance_uuid,
  source_type: r.source_type as BdmSourceType,
  destination_type: r.destination_type as BdmDestinationType,
  device_name: r.device_name,
  boot_index: r.boot_index,
  delete_on_termination: bool(r.delete_on_termination),
  volume_id: r.volume_id,
  snapshot_id: r.snapshot_id,
  image_id: r.image_id,
  volume_size: r.volume_size,
  attachment_id: r.attachment_id,
  connection_info: parseJson<BdmConnectionInfo | null>(r.connection_info, null),
  tag: r.tag,
  guest_format: r.guest_format,
  disk_bus: r.disk_bus,
  device_type: r.device_type,
  volume_type: r.volume_type,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/** The column values of fields (booleans as 0/1, connection_info as JSON). */
function columns(f: BlockDeviceMappingUpdate): Updateable<BlockDeviceMappingTable> {
  const { delete_on_termination, connection_info, ...rest } = f;
  const out: Updateable<BlockDeviceMappingTable> = { ...rest };
  if (delete_on_termination !== undefined) out.delete_on_termination = delete_on_termination ? 1 : 0;
  if (connection_info !== undefined) out.connection_info = connection_info === null ? null : JSON.stringify(connection_info);
  return out;
}

/** block_device_mapping: the instances' volumes and boot disks (Nova's block_device_mapping_* db API). */
export class BlockDeviceMappingRepository {
  constructor(private readonly db: Db) {}

  async create(f: BlockDeviceMappingFields): Promise<BlockDeviceMappingDTO> {
    const uuid = randomUUID();
    const r = await this.db.kysely
      .insertInto('block_device_mapping')
      .values({ ...columns(f), uuid, instance_uuid: f.instance_uuid, source_type: f.source_type, destination_type: f.destination_type, created_at: dbTime() })
      .executeTakeFirst();
    return this.getById(insertedId(r));
  }

  private async getById(id: number): Promise<BlockDeviceMappingDTO> {
    const r = await this.db.kysely.selectFrom('block_device_mapping').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return toDTO(r);
  }

  /** The instance's mappings (not deleted), by boot index then creation (Nova's get_by_instance_uuid). */
  async listByInstance(instanceUuid: string): Promise<BlockDeviceMappingDTO[]> {
    return this.listByInstances([instanceUuid]);
  }

  /** The mappings of several instances (the server views' volumes_attached). */
  async listByInstances(instanceUuids: readonly string[]): Promise<BlockDeviceMappingDTO[]> {
    if (!instanceUuids.length) return [];
    const rows = await this.db.kysely
      .selectFrom('block_device_mapping')
      .selectAll()
      .where('instance_uuid', 'in', [...instanceUuids])
      .where('deleted', '=', 0)
      .orderBy('id')
      .execute();
    return rows.map(toDTO);
  }

  /** The mappings of a volume on any instance (Nova's BlockDeviceMappingList.get_by_volume). */
  async listByVolume(volumeId: string): Promise<BlockDeviceMappingDTO[]> {
    const rows = await this.db.kysely.selectFrom('block_device_mapping').selectAll().where('volume_id', '=', volumeId).where('deleted', '=', 0).orderBy('id').execute();
    return rows.map(toDTO);
  }

  /** The instance's mapping of a volume; VolumeBDMNotFound when there is none (Nova's get_by_volume_and_instance). */
  async getByVolume(instanceUuid: string, volumeId: string): Promise<BlockDeviceMappingDTO> {
    const r = await this.db.kysely
      .selectFrom('block_device_mapping')
      .selectAll()
      .where('instance_uuid', '=', instanceUuid)
      .where('volume_id', '=', volumeId)
      .where('deleted', '=', 0)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!r) throw VolumeBDMNotFound.of(volumeId);
    return toDTO(r);
  }

  async update(uuid: string, f: BlockDeviceMappingUpdate): Promise<BlockDeviceMappingDTO> {
    const cols = columns(f);
    await this.db.kysely
      .updateTable('block_device_mapping')
      .set({ ...cols, updated_at: dbTime() })
      .where('uuid', '=', uuid)
      .where('deleted', '=', 0)
      .execute();
    const r = await this.db.kysely.selectFrom('block_device_mapping').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (!r) throw new VolumeBDMNotFound(`No Block Device Mapping with uuid ${uuid}.`, { uuid });
    return toDTO(r);
  }

  /** Soft delete one mapping (deleted = id, as Nova's). */
  async destroy(uuid: string): Promise<void> {
    const now = dbTime();
    await this.db.kysely
      .updateTable('block_device_mapping')
      .set((eb) => ({ deleted: eb.ref('id'), deleted_at: now, updated_at: now }))
      .where('uuid', '=', uuid)
      .where('deleted', '=', 0)
      .execute();
  }
}
