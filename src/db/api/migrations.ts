import { randomUUID } from 'node:crypto';
import type { Insertable, Selectable } from 'kysely';
import { MarkerNotFound } from '../../exception/instance.ts';
import { MigrationNotFound } from '../../exception/migration.ts';
import type { MigrationDTO, MigrationUpdate } from '../../objects/migration.ts';
import type { MigrationsTable } from '../schema.ts';
import { dbTime } from '../time.ts';
import { affected, bool, type Db, insertedId } from './common.ts';

type Row = Selectable<MigrationsTable>;

const toDTO = (r: Row): MigrationDTO => ({ ...r, hidden: bool(r.hidden), deleted: r.deleted !== 0 });

/** Filters of migration_get_all_by_filters (values as the API passes them). */
export interface MigrationFilters {
  /** source_compute or dest_compute. */
  host?: string;
  /** Only when `host` is not given (as Nova's elif). */
  source_compute?: string;
  dest_compute?: string;
  node?: string;
  status?: readonly string[];
  migration_type?: string;
  hidden?: boolean;
  instance_uuid?: string;
  user_id?: string;
  project_id?: string;
  /** updated_at >= (stored format). */
  changes_since?: string;
  /** updated_at <= (stored format). */
  changes_before?: string;
}

/** Paging of a sorted list: created_at desc, id desc (Nova's default for os-migrations from 2.59). */
export interface MigrationPage {
  /** Sort newest first and page; without it, the unsorted list (id order). */
  sorted?: boolean;
  limit?: number;
  /** uuid of the last migration of the previous page (MarkerNotFound when there is none). */
  marker?: string;
}

/** What a new migration row is made of. */
export type NewMigration = Omit<MigrationDTO, 'id' | 'uuid' | 'hidden' | 'created_at' | 'updated_at' | 'deleted_at' | 'deleted'> & {
  uuid?: string;
  hidden?: boolean;
};

/** The migrations table (resizes, cold and live migrations, evacuations), soft deleted as Nova's. */
export class MigrationRepository {
  constructor(private readonly db: Db) {}

  async create(m: NewMigration): Promise<MigrationDTO> {
    const now = dbTime();
    const r = await this.db.kysely
      .insertInto('migrations')
      .values({ ...m, uuid: m.uuid ?? randomUUID(), hidden: m.hidden ? 1 : 0, created_at: now, updated_at: now, deleted: 0 } as Insertable<MigrationsTable>)
      .executeTakeFirst();
    return this.get(insertedId(r));
  }

  async get(id: number): Promise<MigrationDTO> {
    const r = await this.db.kysely.selectFrom('migrations').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirstOrThrow();
    return toDTO(r);
  }

  /** Change a migration; MigrationNotFound when there is none. */
  async update(uuid: string, updates: MigrationUpdate): Promise<MigrationDTO> {
    const r = await this.db.kysely
      .updateTable('migrations')
      .set({ ...updates, updated_at: dbTime() })
      .where('uuid', '=', uuid)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (affected(r) === 0) throw MigrationNotFound.of(uuid);
    const m = await this.findByUuid(uuid);
    if (!m) throw MigrationNotFound.of(uuid);
    return m;
  }

  async getByUuid(uuid: string): Promise<MigrationDTO> {
    const m = await this.findByUuid(uuid);
    if (!m) throw MigrationNotFound.of(uuid);
    return m;
  }

  async findByUuid(uuid: string): Promise<MigrationDTO | null> {
    const r = await this.db.kysely.selectFrom('migrations').selectAll().where('uuid', '=', uuid).where('deleted', '=', 0).executeTakeFirst();
    return r ? toDTO(r) : null;
  }

  private filtered(f: MigrationFilters) {
    let q = this.db.kysely.selectFrom('migrations').selectAll().where('deleted', '=', 0);
    if (f.changes_since !== undefined) q = q.where('updated_at', '>=', f.changes_since);
    if (f.changes_before !== undefined) q = q.where('updated_at', '<=', f.changes_before);
    if (f.status) q = q.where('status', 'in', f.status.length ? [...f.status] : ['<none>']);
    const host = f.host;
    if (host !== undefined) q = q.where((eb) => eb.or([eb('source_compute', '=', host), eb('dest_compute', '=', host)]));
    else if (f.source_compute !== undefined) q = q.where('source_compute', '=', f.source_compute);
    if (f.dest_compute !== undefined) q = q.where('dest_compute', '=', f.dest_compute);
    const node = f.node;
    if (node !== undefined) q = q.where((eb) => eb.or([eb('source_node', '=', node), eb('dest_node', '=', node)]));
    if (f.migration_type !== undefined) q = q.where('migration_type', '=', f.migration_type);
    if (f.hidden !== undefined) q = q.where('hidden', '=', f.hidden ? 1 : 0);
    if (f.instance_uuid !== undefined) q = q.where('instance_uuid', '=', f.instance_uuid);
    if (f.user_id !== undefined) q = q.where('user_id', '=', f.user_id);
    if (f.project_id !== undefined) q = q.where('project_id', '=', f.project_id);
    return q;
  }

  /**
   * migration_get_all_by_filters: live rows matching every filter; sorted
   * (created_at desc, id desc) and paged after `marker` when asked, else in
   * id order. A limit of 0 is an empty page.
   */
  async list(filters: MigrationFilters = {}, page: MigrationPage = {}): Promise<MigrationDTO[]> {
    if (page.limit === 0) return [];
    let q = this.filtered(filters);
    if (!page.sorted && page.marker === undefined && page.limit === undefined) return (await q.orderBy('id', 'asc').execute()).map(toDTO);
    if (page.marker !== undefined) {
      const m = await this.findByUuid(page.marker);
      if (!m) throw new MarkerNotFound(`Marker ${page.marker} could not be found.`, { marker: page.marker });
      const created = m.created_at ?? '';
      q = q.where((eb) => eb.or([eb('created_at', '<', created), eb.and([eb('created_at', '=', created), eb('id', '<', m.id)])]));
    }
    q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (page.limit !== undefined) q = q.limit(page.limit);
    return (await q.execute()).map(toDTO);
  }
}
