import type { CreateTableBuilder, Kysely } from 'kysely';
import type { Dialect } from '../../../db/connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from '../../../db/migrations/types.ts';

/** The identity schema: domains, projects, users, roles, assignments, tokens, the catalog. */
export const identityInitial: NovaMigration = {
  name: '001_identity_initial',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    const id = 'varchar(64)';
    const str = 'varchar(255)';
    const table = <C extends string>(name: string, build: (b: CreateTableBuilder<string, never>) => CreateTableBuilder<string, C>) =>
      tableEnd(build(db.schema.createTable(name).ifNotExists()), dialect).execute();

    await table('identity_domains', (b) =>
      b
        .addColumn('id', id, (c) => c.primaryKey().notNull())
        .addColumn('name', 'varchar(64)', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('created_at', t.datetime)
        .addUniqueConstraint('uniq_identity_domains0name', ['name']),
    );
    await table('identity_projects', (b) =>
      b
        .addColumn('id', id, (c) => c.primaryKey().notNull())
        .addColumn('name', 'varchar(64)', (c) => c.notNull())
        .addColumn('domain_id', id, (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('parent_id', id)
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('created_at', t.datetime)
        .addUniqueConstraint('uniq_identity_projects0domain_id0name', ['domain_id', 'name']),
    );
    await table('identity_users', (b) =>
      b
        .addColumn('id', id, (c) => c.primaryKey().notNull())
        .addColumn('name', str, (c) => c.notNull())
        .addColumn('domain_id', id, (c) => c.notNull())
        .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('password_hash', str)
        .addColumn('default_project_id', id)
        .addColumn('extra', 'text', (c) => c.notNull())
        .addColumn('created_at', t.datetime)
        .addUniqueConstraint('uniq_identity_users0domain_id0name', ['domain_id', 'name']),
    );
    await table('identity_roles', (b) =>
      b
        .addColumn('id', id, (c) => c.primaryKey().notNull())
        .addColumn('name', str, (c) => c.notNull())
        .addColumn('domain_id', id, (c) => c.notNull().defaultTo('<<null>>'))
        .addColumn('description', 'text')
        .addColumn('created_at', t.datetime)
        .addUniqueConstraint('uniq_identity_roles0name0domain_id', ['name', 'domain_id']),
    );
    await table('identity_implied_roles', (b) =>
      b
        .addColumn('prior_role_id', id, (c) => c.notNull())
        .addColumn('implied_role_id', id, (c) => c.notNull())
        .addPrimaryKeyConstraint('pk_identity_implied_roles', ['prior_role_id', 'implied_role_id']),
    );
    await table('identity_assignments', (b) =>
      b
        .addColumn('actor_id', id, (c) => c.notNull())
        .addColumn('target_id', id, (c) => c.notNull())
        .addColumn('role_id', id, (c) => c.notNull())
        .addPrimaryKeyConstraint('pk_identity_assignments', ['actor_id', 'target_id', 'role_id']),
    );
    await table('identity_tokens', (b) =>
      b
        .addColumn('id_hash', 'char(64)', (c) => c.primaryKey().notNull())
        .addColumn('user_id', id, (c) => c.notNull())
        .addColumn('project_id', id)
        .addColumn('roles', t.longText, (c) => c.notNull())
        .addColumn('methods', str, (c) => c.notNull())
        .addColumn('audit_ids', str, (c) => c.notNull())
        .addColumn('issued_at', t.datetime, (c) => c.notNull())
        .addColumn('expires_at', t.datetime, (c) => c.notNull())
        .addColumn('revoked', 'boolean', (c) => c.notNull().defaultTo(false)),
    );
    await db.schema.createIndex('identity_tokens_user_id_idx').ifNotExists().on('identity_tokens').column('user_id').execute();
    await db.schema.createIndex('identity_tokens_expires_at_idx').ifNotExists().on('identity_tokens').column('expires_at').execute();
    await table('identity_services', (b) =>
      b
        .addColumn('id', id, (c) => c.primaryKey().notNull())
        .addColumn('type', str, (c) => c.notNull())
        .addColumn('name', str)
        .addColumn('description', 'text')
        .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('created_at', t.datetime),
    );
    await table('identity_endpoints', (b) =>
      b
        .addColumn('id', id, (c) => c.primaryKey().notNull())
        .addColumn('service_id', id, (c) => c.notNull())
        .addColumn('interface', 'varchar(8)', (c) => c.notNull())
        .addColumn('region_id', str)
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('created_at', t.datetime),
    );
    await table('identity_regions', (b) =>
      b
        .addColumn('id', str, (c) => c.primaryKey().notNull())
        .addColumn('description', 'text')
        .addColumn('parent_region_id', str),
    );
  },
};
