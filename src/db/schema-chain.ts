import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { NovaError } from '../exception/base.ts';
import type { Db } from './connection.ts';
import type { NovaMigration } from './migrations/types.ts';

export class DBSchemaError extends NovaError {}

function versionOf(name: string | undefined): number {
  return name ? Number.parseInt(name, 10) : 0;
}

/**
 * One versioned chain of migrations with its own bookkeeping table. Nova's
 * schema, the identity tables and the image tables are three chains living
 * in the same database; `nova-manage db sync` applies all three.
 */
export class SchemaChain {
  /** The schema version this code needs. */
  readonly latest: number;

  constructor(
    /** For messages: 'database', 'identity', 'image'. */
    private readonly label: string,
    private readonly migrations: readonly NovaMigration[],
    private readonly table: string,
  ) {
    this.latest = versionOf(migrations.at(-1)?.name);
  }

  private migrator(db: Db): Migrator {
    const provider: MigrationProvider = {
      getMigrations: async () => {
        const out: Record<string, Migration> = {};
        for (const m of this.migrations) out[m.name] = { up: (k: Kysely<unknown>) => m.up(k, db.dialect) };
        return out;
      },
    };
    return new Migrator({ db: db.kysely as unknown as Kysely<unknown>, provider, migrationTableName: this.table, migrationLockTableName: `${this.table}_lock` });
  }

  /** Apply pending migrations; safe to run again. Returns the new version. */
  async sync(db: Db): Promise<number> {
    const { error, results } = await this.migrator(db).migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new DBSchemaError(`${this.label} migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
    }
    return this.version(db);
  }

  /** The applied version; 0 when nothing was applied. */
  async version(db: Db): Promise<number> {
    let v = 0;
    for (const m of await this.migrator(db).getMigrations()) if (m.executedAt) v = Math.max(v, versionOf(m.name));
    return v;
  }

  /** Fail unless the schema is current (daemons check this at start). */
  async requireCurrent(db: Db): Promise<void> {
    const v = await this.version(db);
    if (v < this.latest) throw new DBSchemaError(`${this.label} schema is at version ${v}, this code needs ${this.latest}: run nova-manage db sync`);
  }
}
