import type { Kysely } from 'kysely';
import type { NovaMigration } from './types.ts';

/**
 * instances.network_info: the instance's network info cache (Nova keeps it
 * in instance_info_caches.network_info, one row per instance): the JSON list
 * of its VIFs, '[]' for the servers recorded before (no ports).
 */
export const instanceNetworkInfo: NovaMigration = {
  name: '011_instance_network_info',
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('instances')
      .addColumn('network_info', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
  },
};
