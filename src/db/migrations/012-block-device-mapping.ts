import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from './types.ts';

/**
 * block_device_mapping (Nova's table of the same name): the disks of each
 * instance besides its image, one row per mapping — a volume attached
 * (source volume, destination volume), a volume made at boot from an
 * image, a snapshot or nothing (source image/snapshot/blank, destination
 * volume), the image itself as the root disk (source image, destination
 * local). `attachment_id` is the volume service's attachment, and
 * `connection_info` the JSON the volume service answered for this host.
 * Soft deleted (`deleted` = id) as Nova's.
 */
export const blockDeviceMapping: NovaMigration = {
  name: '012_block_device_mapping',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    await tableEnd(
      db.schema
        .createTable('block_device_mapping')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('deleted_at', t.datetime)
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('source_type', 'varchar(255)', (c) => c.notNull())
        .addColumn('destination_type', 'varchar(255)', (c) => c.notNull())
        .addColumn('device_name', 'varchar(255)')
        .addColumn('boot_index', 'integer')
        .addColumn('delete_on_termination', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('volume_id', 'varchar(36)')
        .addColumn('snapshot_id', 'varchar(36)')
        .addColumn('image_id', 'varchar(36)')
        .addColumn('volume_size', 'integer')
        .addColumn('attachment_id', 'varchar(36)')
        .addColumn('connection_info', t.longText)
        .addColumn('tag', 'varchar(255)')
        .addColumn('guest_format', 'varchar(255)')
        .addColumn('disk_bus', 'varchar(255)')
        .addColumn('device_type', 'varchar(255)')
        .addColumn('volume_type', 'varchar(255)')
        .addColumn('no_device', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('uniq_block_device_mapping0uuid', ['uuid']),
      dialect,
    ).execute();
    await db.schema.createIndex('block_device_mapping_instance_uuid_idx').ifNotExists().on('block_device_mapping').column('instance_uuid').execute();
    await db.schema.createIndex('block_device_mapping_instance_uuid_volume_id_idx').ifNotExists().on('block_device_mapping').columns(['instance_uuid', 'volume_id']).execute();
  },
};
