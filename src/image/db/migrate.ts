import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from '../../db/connection.ts';
import { DBSchemaError } from '../../db/migrate.ts';
import type { NovaMigration } from '../../db/migrations/types.ts';
import { initial } from './migrations/001-initial.ts';

/** The image service's migrations, in order. Append; never edit a released one. */
export const IMAGE_MIGRATIONS: readonly NovaMigration[] = [initial];

/** The schema version this code needs. */
export const LATEST_IMAGE_SCHEMA_VERSION = versionOf(IMAGE_MIGRATIONS.at(-1)?.name);

function versionOf(name: string | undefined): number {
  return name ? Number.parseInt(name, 10) : 0;
}

function migrator(db: Db): Migrator {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of IMAGE_MIGRATIONS) out[m.name] = { up: (k: Kysely<unknown>) => m.up(k, db.dialect) };
      return out;
    },
  };
  return new Migrator({
    db: db.kysely as unknown as Kysely<unknown>,
    provider,
    migrationTableName: 'image_migrations',
    migrationLockTableName: 'image_migrations_lock',
  });
}

/**
 * Create or upgrade the image tables (`nova-manage db sync` calls this after
 * Nova's own schema); safe to run again. Returns the new version.
 */
export async function syncImageSchema(db: Db): Promise<number> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DBSchemaError(`image migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
  return imageSchemaVersion(db);
}

/** The applied image schema version; 0 when the image tables were never created. */
export async function imageSchemaVersion(db: Db): Promise<number> {
  let v = 0;
  for (const m of await migrator(db).getMigrations()) if (m.executedAt) v = Math.max(v, versionOf(m.name));
  return v;
}

/** Fail unless the image schema is current (nova-image checks this at start). */
export async function requireCurrentImageSchema(db: Db): Promise<void> {
  const v = await imageSchemaVersion(db);
  if (v < LATEST_IMAGE_SCHEMA_VERSION) {
    throw new DBSchemaError(`image database schema is at version ${v}, this code needs ${LATEST_IMAGE_SCHEMA_VERSION}: run nova-manage db sync`);
  }
}
