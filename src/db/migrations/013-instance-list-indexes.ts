import type { Kysely } from 'kysely';
import type { NovaMigration } from './types.ts';

/**
 * An index for the server list of a project in its default order
 * (created_at desc, then id): `WHERE project_id = ? AND deleted = 0 ORDER BY
 * created_at DESC, id DESC LIMIT n` reads the first n entries in order
 * instead of sorting every server of the project (with 10,000 servers a
 * page of 1,000 took a sort of all of them). The index's rows end with the
 * primary key, so id breaks ties in the same pass; the list of every
 * project uses instances_deleted_created_at_idx the same way.
 */
export const instanceListIndexes: NovaMigration = {
  name: '013_instance_list_indexes',
  async up(db: Kysely<unknown>) {
    await db.schema.createIndex('instances_project_id_deleted_created_at_idx').ifNotExists().on('instances').columns(['project_id', 'deleted', 'created_at']).execute();
  },
};
