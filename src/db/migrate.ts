import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { NovaError } from '../exception/base.ts';
import type { Db } from './connection.ts';
import { initial } from './migrations/001-initial.ts';
import { defaultFlavors } from './migrations/002-default-flavors.ts';
import { consoleAuthTokens } from './migrations/003-console-auth-tokens.ts';
import type { NovaMigration } from './migrations/types.ts';

/** Every migration, in order. Append; never edit a released one. */
export const MIGRATIONS: readonly NovaMigration[] = [initial, defaultFlavors, consoleAuthTokens];

export class DBSchemaError extends NovaError {}

function migrator(db: Db): Migrator {
  const provider: MigrationProvider = {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const m of MIGRATIONS) out[m.name] = { up: (k: Kysely<unknown>) => m.up(k, db.dialect) };
      return out;
    },
  };
  return new Migrator({ db: db.kysely as unknown as Kysely<unknown>, provider, migrationTableName: 'nova_migrations', migrationLockTableName: 'nova_migrations_lock' });
}

function versionOf(name: string | undefined): number {
  return name ? Number.parseInt(name, 10) : 0;
}

/** Apply pending migrations (`nova-manage db sync`); safe to run again. Returns the new version. */
export async function syncSchema(db: Db): Promise<number> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DBSchemaError(`migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
  return schemaVersion(db);
}

/** The applied schema version (`nova-manage db version`); 0 for an empty database. */
export async function schemaVersion(db: Db): Promise<number> {
  const all = await migrator(db).getMigrations();
  let v = 0;
  for (const m of all) if (m.executedAt) v = Math.max(v, versionOf(m.name));
  return v;
}

export const LATEST_SCHEMA_VERSION = versionOf(MIGRATIONS.at(-1)?.name);

/** Fail unless the schema is current (services check this at start). */
export async function requireCurrentSchema(db: Db): Promise<void> {
  const v = await schemaVersion(db);
  if (v < LATEST_SCHEMA_VERSION) {
    throw new DBSchemaError(`database schema is at version ${v}, this code needs ${LATEST_SCHEMA_VERSION}: run nova-manage db sync`);
  }
}
