/**
 * The volume service's storage: resources as JSON documents in their
 * tables (schema.ts), looked up by id, project, parent (a snapshot's or an
 * attachment's volume) and status; updates may be conditional on the stored
 * status (Cinder's conditional_update), so that two requests racing on one
 * volume cannot both move it.
 */
import type { Kysely } from 'kysely';
import type { Db } from '../../db/connection.ts';
import type { Docs } from '../model.ts';
import { type VolumeDatabase, type VolumeTable, volumeKysely } from './schema.ts';

/** Now as a database datetime ('YYYY-MM-DD HH:MM:SS.ffffff', UTC). */
export function dbNow(): string {
  return `${new Date().toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** A database datetime as Cinder shows it ('YYYY-MM-DDTHH:MM:SS.ffffff'). */
export function apiTime(db: string): string {
  return db.replace(' ', 'T');
}

function statusOf(table: VolumeTable, doc: Record<string, unknown>): string {
  const v = table === 'volume_attachments' ? doc.attach_status : doc.status;
  return typeof v === 'string' ? v : '';
}

function parentOf(table: VolumeTable, doc: Record<string, unknown>): string | null {
  return table === 'snapshots' || table === 'volume_attachments' ? String(doc.volume_id) : null;
}

/** Which rows: all, or those matching every given column (an array: any of its values). */
export interface RowQuery {
  project_id?: string;
  parent_id?: string | readonly string[];
  status?: string | readonly string[];
}

export class VolumeStore {
  constructor(readonly k: Kysely<VolumeDatabase>) {}

  static of(db: Db): VolumeStore {
    return new VolumeStore(volumeKysely(db));
  }

  transaction<T>(fn: (store: VolumeStore) => Promise<T>): Promise<T> {
    return this.k.transaction().execute((trx) => fn(new VolumeStore(trx)));
  }

  /** Store a new resource; created_at/updated_at are set here. */
  async insert<T extends VolumeTable>(table: T, doc: Omit<Docs[T], 'created_at' | 'updated_at'>): Promise<Docs[T]> {
    const now = dbNow();
    const full = { ...doc, created_at: apiTime(now), updated_at: apiTime(now) } as Docs[T];
    const raw: Record<string, unknown> = { ...full };
    const t: VolumeTable = table;
    await this.k
      .insertInto(t)
      .values({
        id: full.id,
        project_id: full.project_id,
        parent_id: parentOf(table, raw),
        status: statusOf(table, raw),
        doc: JSON.stringify(full),
        created_at: now,
        updated_at: now,
      })
      .execute();
    return full;
  }

  async get<T extends VolumeTable>(table: T, id: string): Promise<Docs[T] | null> {
    if (id.length > 36) return null;
    const t: VolumeTable = table;
    const row = await this.k.selectFrom(t).select('doc').where('id', '=', id).executeTakeFirst();
    return row ? (JSON.parse(row.doc) as Docs[T]) : null;
  }

  /** The rows matching `q`, oldest first. */
  async list<T extends VolumeTable>(table: T, q: RowQuery = {}): Promise<Docs[T][]> {
    const t: VolumeTable = table;
    let sel = this.k.selectFrom(t).select('doc');
    if (q.project_id !== undefined) sel = sel.where('project_id', '=', q.project_id);
    for (const col of ['parent_id', 'status'] as const) {
      const v = q[col];
      if (v === undefined) continue;
      if (typeof v === 'string') sel = sel.where(col, '=', v);
      else if (v.length === 0) return [];
      else sel = sel.where(col, 'in', [...v]);
    }
    const rows = await sel.orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => JSON.parse(r.doc) as Docs[T]);
  }

  /**
   * Apply `changes` to the stored resource; with `expected`, only while its
   * status is one of them. The resource as it is now, or null (gone, or not
   * in an expected status).
   */
  async update<T extends VolumeTable>(table: T, id: string, changes: Partial<Docs[T]>, expected?: readonly string[]): Promise<Docs[T] | null> {
    const current = await this.get(table, id);
    if (!current) return null;
    const was = statusOf(table, { ...current });
    if (expected && !expected.includes(was)) return null;
    const now = dbNow();
    const full = { ...current, ...changes, updated_at: apiTime(now) } as Docs[T];
    const t: VolumeTable = table;
    let q = this.k
      .updateTable(t)
      .set({ doc: JSON.stringify(full), status: statusOf(table, { ...full }), updated_at: now, project_id: full.project_id })
      .where('id', '=', id);
    // The status read above must still be the stored one (another request may have moved it since).
    if (table !== 'volume_types') q = q.where('status', '=', was);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) > 0 ? full : null;
  }

  async delete(table: VolumeTable, id: string): Promise<boolean> {
    const r = await this.k.deleteFrom(table).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async quotas(projectId: string): Promise<Record<string, number>> {
    const rows = await this.k.selectFrom('volume_quotas').selectAll().where('project_id', '=', projectId).execute();
    return Object.fromEntries(rows.map((r) => [r.resource, Number(r.limit)]));
  }

  async setQuota(projectId: string, resource: string, limit: number): Promise<void> {
    await this.k.deleteFrom('volume_quotas').where('project_id', '=', projectId).where('resource', '=', resource).execute();
    await this.k.insertInto('volume_quotas').values({ project_id: projectId, resource, limit }).execute();
  }

  async deleteQuotas(projectId: string): Promise<void> {
    await this.k.deleteFrom('volume_quotas').where('project_id', '=', projectId).execute();
  }
}
