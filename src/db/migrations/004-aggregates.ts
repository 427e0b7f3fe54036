import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from './types.ts';

/**
 * Host aggregates (Nova's aggregates, aggregate_hosts and
 * aggregate_metadata): aggregates are soft deleted (a name is unique among
 * live rows: `deleted` = 0); their hosts and metadata rows are removed.
 */
export const aggregates: NovaMigration = {
  name: '004_aggregates',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    const str = 'varchar(255)';
    await tableEnd(
      db.schema
        .createTable('aggregates')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('deleted_at', t.datetime)
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('name', str, (c) => c.notNull())
        .addUniqueConstraint('uniq_aggregates0name0deleted', ['name', 'deleted'])
        .addUniqueConstraint('uniq_aggregates0uuid', ['uuid']),
      dialect,
    ).execute();
    await tableEnd(
      db.schema
        .createTable('aggregate_hosts')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('aggregate_id', 'integer', (c) => c.notNull())
        .addColumn('host', str, (c) => c.notNull())
        .addUniqueConstraint('uniq_aggregate_hosts0host0aggregate_id', ['host', 'aggregate_id']),
      dialect,
    ).execute();
    await tableEnd(
      db.schema
        .createTable('aggregate_metadata')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('aggregate_id', 'integer', (c) => c.notNull())
        .addColumn('key', str, (c) => c.notNull())
        .addColumn('value', str, (c) => c.notNull())
        .addUniqueConstraint('uniq_aggregate_metadata0aggregate_id0key', ['aggregate_id', 'key']),
      dialect,
    ).execute();
    await db.schema.createIndex('aggregate_hosts_aggregate_id_idx').ifNotExists().on('aggregate_hosts').column('aggregate_id').execute();
    await db.schema.createIndex('aggregate_metadata_key_idx').ifNotExists().on('aggregate_metadata').column('key').execute();
  },
};
