import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';
import { columnTypes, type NovaMigration } from './types.ts';

/**
 * What moving a server needs (Nova's instance_extra and migrations columns):
 * instances.old_flavor / new_flavor (the flavor snapshots of a resize in
 * progress, as Nova's Instance.old_flavor/new_flavor), and the progress of a
 * live migration on its migration row (memory_* and disk_* in bytes, shown
 * by GET /servers/{id}/migrations).
 */
export const serverMoves: NovaMigration = {
  name: '008_server_moves',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('instances').addColumn('old_flavor', t.longText).execute();
    await db.schema.alterTable('instances').addColumn('new_flavor', t.longText).execute();
    for (const c of ['memory_total', 'memory_processed', 'memory_remaining', 'disk_total', 'disk_processed', 'disk_remaining']) {
      await db.schema.alterTable('migrations').addColumn(c, 'bigint').execute();
    }
  },
};
