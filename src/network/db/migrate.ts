import type { Db } from '../../db/connection.ts';
import type { NovaMigration } from '../../db/migrations/types.ts';
import { SchemaChain } from '../../db/schema-chain.ts';
import { initial } from './migrations/001-initial.ts';
import { agents } from './migrations/002-agents.ts';

/** The network service's migrations, in order. Append; never edit a released one. */
export const NETWORK_MIGRATIONS: readonly NovaMigration[] = [initial, agents];

const network = new SchemaChain('network', NETWORK_MIGRATIONS, 'network_migrations');

/** The schema version this code needs. */
export const LATEST_NETWORK_SCHEMA_VERSION = network.latest;

/** Create or upgrade the network tables (`nova-manage db sync` runs it after Nova's own); returns the version. */
export const syncNetworkSchema = (db: Db): Promise<number> => network.sync(db);

/** The applied network schema version; 0 when the network tables were never created. */
export const networkSchemaVersion = (db: Db): Promise<number> => network.version(db);

/** Fail unless the network schema is current (nova-network checks this at start). */
export const requireCurrentNetworkSchema = (db: Db): Promise<void> => network.requireCurrent(db);
