import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Db } from '../../db/connection.ts';

/**
 * Row types of the image service's tables (Glance's layout, reduced). They
 * live in the same database as Nova's by default, under their own
 * migration table `image_migrations`. Datetimes are naive UTC strings
 * 'YYYY-MM-DD HH:MM:SS.ffffff' (src/db/time.ts); booleans are 0/1.
 */
type Timestamp = string;
type Bool = ColumnType<number, number | boolean | undefined, number | boolean>;
type Defaulted<T> = ColumnType<T, T | undefined, T>;

/** One image. Deleted images stay as rows (deleted = 1, status 'deleted') so their ids are never reused. */
export interface ImagesTable {
  id: string;
  name: Defaulted<string | null>;
  status: string;
  visibility: string;
  protected: Bool;
  os_hidden: Bool;
  checksum: Defaulted<string | null>;
  os_hash_algo: Defaulted<string | null>;
  os_hash_value: Defaulted<string | null>;
  owner: Defaulted<string | null>;
  size: Defaulted<number | null>;
  virtual_size: Defaulted<number | null>;
  min_disk: Defaulted<number>;
  min_ram: Defaulted<number>;
  disk_format: Defaulted<string | null>;
  container_format: Defaulted<string | null>;
  /** Where the data is (`file:///…`); null until an upload completed. */
  location: Defaulted<string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Defaulted<Timestamp | null>;
  deleted: Bool;
}

/** Custom (non-base) properties, one row per key. */
export interface ImagePropertiesTable {
  id: Generated<number>;
  image_id: string;
  name: string;
  value: string;
  created_at: Timestamp;
}

/** Tags, one row per (image, tag). */
export interface ImageTagsTable {
  id: Generated<number>;
  image_id: string;
  value: string;
  created_at: Timestamp;
}

/** Projects a `shared` image is shared with, and whether they accepted. */
export interface ImageMembersTable {
  id: Generated<number>;
  image_id: string;
  member: string;
  status: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The image service's tables as Kysely sees them (a type alias, not an interface: Kysely's withTables wants an indexable record type). */
export type ImageDatabase = {
  images: ImagesTable;
  image_properties: ImagePropertiesTable;
  image_tags: ImageTagsTable;
  image_members: ImageMembersTable;
};

/** The image tables' query builder over a Nova database connection (same connection, other tables). */
export function imageKysely(db: Db): Kysely<ImageDatabase> {
  return db.kysely.withTables<ImageDatabase>();
}
