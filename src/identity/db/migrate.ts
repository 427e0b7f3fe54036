import type { Db } from '../../db/connection.ts';
import type { NovaMigration } from '../../db/migrations/types.ts';
import { SchemaChain } from '../../db/schema-chain.ts';
import { identityInitial } from './migrations/001-initial.ts';

/** Every identity migration, in order. Append; never edit a released one. */
export const IDENTITY_MIGRATIONS: readonly NovaMigration[] = [identityInitial];

const identity = new SchemaChain('identity', IDENTITY_MIGRATIONS, 'identity_migrations');

/** The schema version this code needs. */
export const LATEST_IDENTITY_SCHEMA_VERSION = identity.latest;

/** Create or upgrade the identity tables (`nova-manage db sync` runs it after Nova's own); returns the version. */
export const syncIdentitySchema = (db: Db): Promise<number> => identity.sync(db);

/** The applied identity schema version; 0 when the identity tables were never created. */
export const identitySchemaVersion = (db: Db): Promise<number> => identity.version(db);

/** Fail unless the identity schema is current (nova-identity and bootstrap check this). */
export const requireCurrentIdentitySchema = (db: Db): Promise<void> => identity.requireCurrent(db);
