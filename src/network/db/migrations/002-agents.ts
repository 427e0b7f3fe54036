import type { Kysely } from 'kysely';
import type { Dialect } from '../../../db/connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from '../../../db/migrations/types.ts';
import { AGENTS_TABLE } from '../schema.ts';

/** The dataplane agents' reports (GET /v2.0/agents): the resource layout, unique on (agent_type, host) as parent_id/unique_key. */
export const agents: NovaMigration = {
  name: '002_network_agents',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    await tableEnd(
      db.schema
        .createTable(AGENTS_TABLE)
        .ifNotExists()
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey().notNull())
        .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('parent_id', 'varchar(255)')
        .addColumn('ref_id', 'varchar(255)')
        .addColumn('unique_key', 'varchar(64)')
        .addColumn('doc', t.longText, (c) => c.notNull())
        .addColumn('created_at', t.datetime, (c) => c.notNull())
        .addColumn('updated_at', t.datetime, (c) => c.notNull())
        .addUniqueConstraint(`uniq_${AGENTS_TABLE}0parent_id0unique_key`, ['parent_id', 'unique_key']),
      dialect,
    ).execute();
  },
};
