import { type CreateTableBuilder, type Kysely, sql } from 'kysely';
import type { Dialect } from '../../../db/connection.ts';
import { columnTypes, type NovaMigration } from '../../../db/migrations/types.ts';

/** InnoDB, utf8mb4 with binary collation on MySQL: names, tags and property keys compare case-sensitively, as on SQLite. */
function tableEnd<T extends string, C extends string>(b: CreateTableBuilder<T, C>, dialect: Dialect): CreateTableBuilder<T, C> {
  return dialect === 'mysql' ? b.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`) : b;
}

/** The image service's tables: images, their custom properties, tags and members. */
export const initial: NovaMigration = {
  name: '001_image_initial',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    const str = 'varchar(255)';
    const id = 'varchar(36)';

    await tableEnd(
      db.schema
        .createTable('images')
        .ifNotExists()
        .addColumn('id', id, (c) => c.primaryKey().notNull())
        .addColumn('name', str)
        .addColumn('status', 'varchar(30)', (c) => c.notNull())
        .addColumn('visibility', 'varchar(9)', (c) => c.notNull())
        .addColumn('protected', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('os_hidden', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('checksum', 'varchar(32)')
        .addColumn('os_hash_algo', 'varchar(64)')
        .addColumn('os_hash_value', 'varchar(128)')
        .addColumn('owner', str)
        .addColumn('size', 'bigint')
        .addColumn('virtual_size', 'bigint')
        .addColumn('min_disk', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('min_ram', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disk_format', 'varchar(20)')
        .addColumn('container_format', 'varchar(20)')
        .addColumn('location', t.longText)
        .addColumn('created_at', t.datetime, (c) => c.notNull())
        .addColumn('updated_at', t.datetime, (c) => c.notNull())
        .addColumn('deleted_at', t.datetime)
        .addColumn('deleted', 'boolean', (c) => c.notNull().defaultTo(false)),
      dialect,
    ).execute();
    for (const col of ['owner', 'visibility', 'status', 'created_at', 'name'] as const) {
      await db.schema.createIndex(`images_${col}_idx`).ifNotExists().on('images').column(col).execute();
    }

    const base = (name: string) =>
      db.schema
        .createTable(name)
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('image_id', id, (c) => c.notNull().references('images.id'))
        .addColumn('created_at', t.datetime, (c) => c.notNull());

    const child = (name: string, build: (b: ReturnType<typeof base>) => ReturnType<typeof base>) => tableEnd(build(base(name)), dialect).execute();
    await child('image_properties', (b) =>
      b
        .addColumn('name', str, (c) => c.notNull())
        .addColumn('value', t.longText, (c) => c.notNull())
        .addUniqueConstraint('uniq_image_properties0image_id0name', ['image_id', 'name']),
    );
    await child('image_tags', (b) => b.addColumn('value', str, (c) => c.notNull()).addUniqueConstraint('uniq_image_tags0image_id0value', ['image_id', 'value']));
    await child('image_members', (b) =>
      b
        .addColumn('member', str, (c) => c.notNull())
        .addColumn('status', 'varchar(20)', (c) => c.notNull().defaultTo('pending'))
        .addColumn('updated_at', t.datetime, (c) => c.notNull())
        .addUniqueConstraint('uniq_image_members0image_id0member', ['image_id', 'member']),
    );
    await db.schema.createIndex('image_members_member_idx').ifNotExists().on('image_members').column('member').execute();
  },
};
