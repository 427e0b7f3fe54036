import type { Kysely } from 'kysely';
import type { NovaMigration } from './types.ts';

/**
 * instances.auto_disk_config (Nova's column of that name): the server's
 * `OS-DCF:diskConfig` as asked at create, update, rebuild or resize (AUTO is
 * true), or inherited from the image's auto_disk_config property; MANUAL
 * (false) for the servers recorded before.
 */
export const autoDiskConfig: NovaMigration = {
  name: '009_auto_disk_config',
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('instances')
      .addColumn('auto_disk_config', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
