import type { Kysely } from 'kysely';
import type { Dialect } from '../../../db/connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from '../../../db/migrations/types.ts';
import { VOLUME_TABLES } from '../schema.ts';

/** The volume service's tables: volumes, snapshots, attachments, types, and the quotas. */
export const initial: NovaMigration = {
  name: '001_volume_initial',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    for (const table of VOLUME_TABLES) {
      await tableEnd(
        db.schema
          .createTable(table)
          .ifNotExists()
          .addColumn('id', 'varchar(36)', (c) => c.primaryKey().notNull())
          .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
          .addColumn('parent_id', 'varchar(36)')
          .addColumn('status', 'varchar(255)', (c) => c.notNull())
          .addColumn('doc', t.longText, (c) => c.notNull())
          .addColumn('created_at', t.datetime, (c) => c.notNull())
          .addColumn('updated_at', t.datetime, (c) => c.notNull()),
        dialect,
      ).execute();
      for (const col of ['project_id', 'parent_id', 'status'] as const) {
        await db.schema.createIndex(`ix_${table}_${col}`).ifNotExists().on(table).column(col).execute();
      }
    }
    await tableEnd(
      db.schema
        .createTable('volume_quotas')
        .ifNotExists()
        .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('resource', 'varchar(255)', (c) => c.notNull())
        .addColumn('limit', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('pk_volume_quotas', ['project_id', 'resource']),
      dialect,
    ).execute();
  },
};
