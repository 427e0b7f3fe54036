import type { Kysely } from 'kysely';
import type { Dialect } from '../../../db/connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from '../../../db/migrations/types.ts';
import { RESOURCE_TABLES } from '../schema.ts';

/** The network service's tables: one per resource type, the IP allocations and the quotas. */
export const initial: NovaMigration = {
  name: '001_network_initial',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    const id = 'varchar(36)';
    for (const table of RESOURCE_TABLES) {
      await tableEnd(
        db.schema
          .createTable(table)
          .ifNotExists()
          .addColumn('id', id, (c) => c.primaryKey().notNull())
          .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
          .addColumn('parent_id', 'varchar(255)')
          .addColumn('ref_id', 'varchar(255)')
          .addColumn('unique_key', 'varchar(64)')
          .addColumn('doc', t.longText, (c) => c.notNull())
          .addColumn('created_at', t.datetime, (c) => c.notNull())
          .addColumn('updated_at', t.datetime, (c) => c.notNull())
          .addUniqueConstraint(`uniq_${table}0parent_id0unique_key`, ['parent_id', 'unique_key']),
        dialect,
      ).execute();
      for (const col of ['project_id', 'parent_id', 'ref_id'] as const) {
        await db.schema.createIndex(`ix_${table}_${col}`).ifNotExists().on(table).column(col).execute();
      }
    }
    await tableEnd(
      db.schema
        .createTable('ip_allocations')
        .ifNotExists()
        .addColumn('subnet_id', id, (c) => c.notNull())
        .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
        .addColumn('network_id', id, (c) => c.notNull())
        .addColumn('port_id', id, (c) => c.notNull())
        .addColumn('created_at', t.datetime, (c) => c.notNull())
        .addPrimaryKeyConstraint('pk_ip_allocations', ['subnet_id', 'ip_address']),
      dialect,
    ).execute();
    await db.schema.createIndex('ix_ip_allocations_port_id').ifNotExists().on('ip_allocations').column('port_id').execute();
    await db.schema.createIndex('ix_ip_allocations_network_id').ifNotExists().on('ip_allocations').column('network_id').execute();
    await tableEnd(
      db.schema
        .createTable('network_quotas')
        .ifNotExists()
        .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('resource', 'varchar(255)', (c) => c.notNull())
        .addColumn('limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('pk_network_quotas', ['project_id', 'resource']),
      dialect,
    ).execute();
  },
};
