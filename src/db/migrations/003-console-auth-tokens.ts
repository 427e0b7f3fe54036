import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from './types.ts';

/**
 * console_auth_tokens (Nova's table of the same name): one row per console
 * token issued by nova-consoleauth. Only the SHA-256 of the token is
 * stored; `expires` is a UNIX time in seconds, as in Nova.
 */
export const consoleAuthTokens: NovaMigration = {
  name: '003_console_auth_tokens',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    await tableEnd(
      db.schema
        .createTable('console_auth_tokens')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('token_hash', 'varchar(255)', (c) => c.notNull())
        .addColumn('console_type', 'varchar(255)', (c) => c.notNull())
        .addColumn('host', 'varchar(255)', (c) => c.notNull())
        .addColumn('port', 'integer')
        .addColumn('internal_access_path', 'varchar(255)')
        .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('access_url_base', 'varchar(255)')
        .addColumn('expires', 'integer', (c) => c.notNull())
        .addUniqueConstraint('uniq_console_auth_tokens0token_hash', ['token_hash']),
      dialect,
    ).execute();
    await db.schema.createIndex('console_auth_tokens_instance_uuid_idx').ifNotExists().on('console_auth_tokens').column('instance_uuid').execute();
    await db.schema.createIndex('console_auth_tokens_expires_idx').ifNotExists().on('console_auth_tokens').column('expires').execute();
  },
};
