import type { Db } from '../../db/connection.ts';
import type { NovaMigration } from '../../db/migrations/types.ts';
import { SchemaChain } from '../../db/schema-chain.ts';
import { initial } from './migrations/001-initial.ts';

/** The image service's migrations, in order. Append; never edit a released one. */
export const IMAGE_MIGRATIONS: readonly NovaMigration[] = [initial];

const image = new SchemaChain('image', IMAGE_MIGRATIONS, 'image_migrations');

/** The schema version this code needs. */
export const LATEST_IMAGE_SCHEMA_VERSION = image.latest;

/** Create or upgrade the image tables (`nova-manage db sync` runs it after Nova's own); returns the version. */
export const syncImageSchema = (db: Db): Promise<number> => image.sync(db);

/** The applied image schema version; 0 when the image tables were never created. */
export const imageSchemaVersion = (db: Db): Promise<number> => image.version(db);

/** Fail unless the image schema is current (nova-image checks this at start). */
export const requireCurrentImageSchema = (db: Db): Promise<void> => image.requireCurrent(db);
