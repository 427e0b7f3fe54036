import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from './types.ts';

/**
 * Server groups (Nova's API-database tables instance_groups and
 * instance_group_member). The policy is one column (Nova folded
 * instance_group_policy into it at 2.64); `rules` is a JSON object such as
 * {"max_server_per_host": 2}. Groups are soft deleted; members are plain rows,
 * removed when their instance is deleted.
 */
export const serverGroups: NovaMigration = {
  name: '005_server_groups',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    const str = 'varchar(255)';
    await tableEnd(
      db.schema
        .createTable('instance_groups')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('deleted_at', t.datetime)
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('name', str)
        .addColumn('project_id', str, (c) => c.notNull())
        .addColumn('user_id', str, (c) => c.notNull())
        .addColumn('policy', str, (c) => c.notNull())
        .addColumn('rules', t.longText, (c) => c.notNull())
        .addUniqueConstraint('uniq_instance_groups0uuid', ['uuid']),
      dialect,
    ).execute();
    await db.schema.createIndex('instance_groups_project_id_deleted_idx').ifNotExists().on('instance_groups').columns(['project_id', 'deleted']).execute();

    await tableEnd(
      db.schema
        .createTable('instance_group_member')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('group_id', 'integer', (c) => c.notNull())
        .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
        .addUniqueConstraint('uniq_instance_group_member0group_id0instance_uuid', ['group_id', 'instance_uuid']),
      dialect,
    ).execute();
    await db.schema.createIndex('instance_group_member_instance_idx').ifNotExists().on('instance_group_member').column('instance_uuid').execute();
  },
};
