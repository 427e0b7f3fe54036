import type { Db } from './connection.ts';
import { initial } from './migrations/001-initial.ts';
import { defaultFlavors } from './migrations/002-default-flavors.ts';
import { consoleAuthTokens } from './migrations/003-console-auth-tokens.ts';
import { aggregates } from './migrations/004-aggregates.ts';
import { serverGroups } from './migrations/005-server-groups.ts';
import { computeNodeCapabilities } from './migrations/006-compute-node-capabilities.ts';
import { requestSpecs } from './migrations/007-request-specs.ts';
import { serverMoves } from './migrations/008-server-moves.ts';
import { autoDiskConfig } from './migrations/009-auto-disk-config.ts';
import { quotaClassesUserQuotasTaskLog } from './migrations/010-quota-classes-user-quotas-task-log.ts';
import { instanceNetworkInfo } from './migrations/011-instance-network-info.ts';
import { blockDeviceMapping } from './migrations/012-block-device-mapping.ts';
import { instanceListIndexes } from './migrations/013-instance-list-indexes.ts';
import type { NovaMigration } from './migrations/types.ts';
import { SchemaChain } from './schema-chain.ts';

export { DBSchemaError } from './schema-chain.ts';

/** Every migration of Nova's schema, in order. Append; never edit a released one. */
export const MIGRATIONS: readonly NovaMigration[] = [
  initial,
  defaultFlavors,
  consoleAuthTokens,
  aggregates,
  serverGroups,
  computeNodeCapabilities,
  requestSpecs,
  serverMoves,
  autoDiskConfig,
  quotaClassesUserQuotasTaskLog,
  instanceNetworkInfo,
  blockDeviceMapping,
  instanceListIndexes,
];

const nova = new SchemaChain('database', MIGRATIONS, 'nova_migrations');

export const LATEST_SCHEMA_VERSION = nova.latest;

/** Apply pending migrations (`nova-manage db sync`); safe to run again. Returns the new version. */
export const syncSchema = (db: Db): Promise<number> => nova.sync(db);

/** The applied schema version (`nova-manage db version`); 0 for an empty database. */
export const schemaVersion = (db: Db): Promise<number> => nova.version(db);

/** Fail unless the schema is current (services check this at start). */
export const requireCurrentSchema = (db: Db): Promise<void> => nova.requireCurrent(db);
