import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';
import { columnTypes, type NovaMigration } from './types.ts';

/**
 * compute_nodes.capabilities: what the node's driver can do, as nova-compute
 * reports it through nova-conductor (a JSON object of booleans, e.g.
 * {"supports_pause": true}; Nova reports these as COMPUTE_* traits to
 * placement). NULL until the node's nova-compute reports them.
 */
export const computeNodeCapabilities: NovaMigration = {
  name: '006_compute_node_capabilities',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    await db.schema.alterTable('compute_nodes').addColumn('capabilities', t.longText).execute();
  },
};
