import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from '../../db/connection.ts';
import { DBSchemaError } from '../../db/migrate.ts';
import type { NovaMigration } from '../../db/migrations/types.ts';
import { identityInitial } from './migrations/001-initial.ts';

/** Every identity migration, in order. Append; never edit a released one. */
export const IDENTITY_MIGRATIONS: readonly NovaMigration[] = [identityInitial];

/** The schema version this code needs. */
export const LATEST_IDENTITY_SCHEMA_VERSION = versionOf(IDENTITY_MIGRATIONS.at(-1)?.name);

function versionOf(name: string | undefined): number {
  return name ? Number.parseInt(name, 10) : 0;
}

function migrator(db: Db): Migrator {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of IDENTITY_MIGRATIONS) out[m.name] = { up: (k: Kysely<unknown>) => m.up(k, db.dialect) };
      return out;
    },
  };
  return new Migrator({
    db: db.kysely as unknown as Kysely<unknown>,
    provider,
    migrationTableName: 'identity_migrations',
    migrationLockTableName: 'identity_migrations_lock',
  });
}

/**
 * Create or upgrade the identity tables (`nova-manage db sync` runs it after
 * Nova's own migrations); safe to run again. Returns the identity schema version.
 */
export async function syncIdentitySchema(db: Db): Promise<number> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DBSchemaError(`identity migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
  return identitySchemaVersion(db);
}

/** The applied identity schema version; 0 when the identity tables were never created. */
export async function identitySchemaVersion(db: Db): Promise<number> {
  let v = 0;
  for (const m of await migrator(db).getMigrations()) if (m.executedAt) v = Math.max(v, versionOf(m.name));
  return v;
}

/** Fail unless the identity schema is current (nova-identity and bootstrap check this). */
export async function requireCurrentIdentitySchema(db: Db): Promise<void> {
  const v = await identitySchemaVersion(db);
  if (v < LATEST_IDENTITY_SCHEMA_VERSION) {
    throw new DBSchemaError(`identity schema is at version ${v}, this code needs ${LATEST_IDENTITY_SCHEMA_VERSION}: run nova-manage db sync`);
  }
}
