import type { Db } from '../../db/connection.ts';
import type { NovaMigration } from '../../db/migrations/types.ts';
import { SchemaChain } from '../../db/schema-chain.ts';
import { initial } from './migrations/001-initial.ts';

/** The volume service's migrations, in order. Append; never edit a released one. */
export const VOLUME_MIGRATIONS: readonly NovaMigration[] = [initial];

const volume = new SchemaChain('volume', VOLUME_MIGRATIONS, 'volume_migrations');

/** The schema version this code needs. */
export const LATEST_VOLUME_SCHEMA_VERSION = volume.latest;

/** Create or upgrade the volume tables (`nova-manage db sync` runs it after Nova's own); returns the version. */
export const syncVolumeSchema = (db: Db): Promise<number> => volume.sync(db);

/** The applied volume schema version; 0 when the volume tables were never created. */
export const volumeSchemaVersion = (db: Db): Promise<number> => volume.version(db);

/** Fail unless the volume schema is current (nova-volume checks this at start). */
export const requireCurrentVolumeSchema = (db: Db): Promise<void> => volume.requireCurrent(db);
