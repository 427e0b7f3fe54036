import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from './types.ts';

/**
 * request_specs (Nova's API-database table): the RequestSpec of each
 * instance as its build asked for it, so work that schedules the instance
 * again (a lost build request sent again, and later resize, migrate,
 * evacuate, unshelve) has the original request. `spec` is the JSON of one
 * instance's RequestSpec; `requeues` counts how often a lost build request
 * was sent again.
 */
export const requestSpecs: NovaMigration = {
  name: '007_request_specs',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    await tableEnd(
      db.schema
        .createTable('request_specs')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('spec', t.longText, (c) => c.notNull())
        .addColumn('requeues', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('uniq_request_specs0instance_uuid', ['instance_uuid']),
      dialect,
    ).execute();
  },
};
