/**
 * The network service's storage: resources as JSON documents in their
 * tables (schema.ts), looked up by id, project, parent and reference, and
 * the IP allocations. Every method runs on the store's connection or, inside
 * {@link ResourceStore.transaction}, on the transaction.
 */
import type { Kysely } from 'kysely';
import type { Db } from '../../db/connection.ts';
import { errorCode } from '../../util/error-code.ts';
import { type NetworkDatabase, networkKysely, type ResourceRow, type ResourceTable } from './schema.ts';

/** A stored resource: the attributes the API shows plus internal ones ('_'-prefixed). */
export type Doc = Record<string, unknown> & { id: string; project_id: string };

/** The lookup columns of a row besides id and project. */
export interface RowKeys {
  parent_id?: string | null;
  ref_id?: string | null;
  unique_key?: string | null;
}

/** Which rows of a table: all, or those matching every given column (an array: any of its values). */
export interface RowQuery {
  project_id?: string | readonly string[];
  parent_id?: string | readonly string[];
  ref_id?: string | readonly string[];
}

/** Did a write fail on a primary or unique key (either backend)? */
export function isDuplicate(e: unknown): boolean {
  const code = errorCode(e) ?? '';
  return code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Now as a database datetime ('YYYY-MM-DD HH:MM:SS.ffffff', UTC). */
export function dbNow(): string {
  return `${new Date().toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** A database datetime as the API shows it ('YYYY-MM-DDTHH:MM:SSZ'). */
export function apiTime(db: string): string {
  return `${db.slice(0, 19).replace(' ', 'T')}Z`;
}

function parse(row: Pick<ResourceRow, 'doc'>): Doc {
  return JSON.parse(row.doc) as Doc;
}

export class ResourceStore {
  constructor(readonly k: Kysely<NetworkDatabase>) {}

  static of(db: Db): ResourceStore {
    return new ResourceStore(networkKysely(db));
  }

  /** Run `fn` in one transaction (all or nothing); a duplicate key inside rolls everything back. */
  transaction<T>(fn: (store: ResourceStore) => Promise<T>): Promise<T> {
    return this.k.transaction().execute((trx) => fn(new ResourceStore(trx)));
  }

  /** Store a new resource: its timestamps and revision are set here. Fails with a duplicate key error on a taken (parent_id, unique_key). */
  async insert(table: ResourceTable, doc: Doc, keys: RowKeys = {}): Promise<Doc> {
    const now = dbNow();
    const full: Doc = { ...doc, created_at: apiTime(now), updated_at: apiTime(now), revision_number: 0 };
    await this.k
      .insertInto(table)
      .values({
        id: doc.id,
        project_id: doc.project_id,
        parent_id: keys.parent_id ?? null,
        ref_id: keys.ref_id ?? null,
        unique_key: keys.unique_key ?? null,
        doc: JSON.stringify(full),
        created_at: now,
        updated_at: now,
      })
      .execute();
    return full;
  }

  async get(table: ResourceTable, id: string): Promise<Doc | null> {
    if (id.length > 36) return null;
    const row = await this.k.selectFrom(table).select('doc').where('id', '=', id).executeTakeFirst();
    return row ? parse(row) : null;
  }

  /** The rows matching `q`, oldest first. */
  async list(table: ResourceTable, q: RowQuery = {}): Promise<Doc[]> {
    let sel = this.k.selectFrom(table).select('doc');
    for (const col of ['project_id', 'parent_id', 'ref_id'] as const) {
      const v = q[col];
      if (v === undefined) continue;
      if (typeof v === 'string') sel = sel.where(col, '=', v);
      else if (v.length === 0) return [];
      else sel = sel.where(col, 'in', [...v]);
    }
    const rows = await sel.orderBy('created_at').orderBy('id').execute();
    return rows.map(parse);
  }

  /** How many rows of the project (quota usage). */
  async count(table: ResourceTable, projectId: string): Promise<number> {
    const r = await this.k
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Replace a resource's document (revision_number and updated_at advance); false when it is gone. */
  async update(table: ResourceTable, doc: Doc, keys: RowKeys = {}): Promise<Doc | null> {
    const now = dbNow();
    const full: Doc = { ...doc, updated_at: apiTime(now), revision_number: Number(doc.revision_number ?? 0) + 1 };
    const set: Partial<ResourceRow> = { doc: JSON.stringify(full), updated_at: now, project_id: doc.project_id };
    if (keys.parent_id !== undefined) set.parent_id = keys.parent_id;
    if (keys.ref_id !== undefined) set.ref_id = keys.ref_id;
    if (keys.unique_key !== undefined) set.unique_key = keys.unique_key;
    const r = await this.k.updateTable(table).set(set).where('id', '=', doc.id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0 ? full : null;
  }

  /** Delete a resource; false when it was already gone. */
  async delete(table: ResourceTable, id: string): Promise<boolean> {
    const r = await this.k.deleteFrom(table).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Record addresses for a port; a duplicate key error when one is taken (the caller tries another). */
  async allocate(rows: readonly { subnet_id: string; ip_address: string; network_id: string; port_id: string }[]): Promise<void> {
    if (!rows.length) return;
    const now = dbNow();
    await this.k
      .insertInto('ip_allocations')
      .values(rows.map((r) => ({ ...r, created_at: now })))
      .execute();
  }

  /** The addresses taken on these subnets. */
  async allocated(subnetIds: readonly string[]): Promise<{ subnet_id: string; ip_address: string; port_id: string }[]> {
    if (!subnetIds.length) return [];
    return this.k
      .selectFrom('ip_allocations')
      .select(['subnet_id', 'ip_address', 'port_id'])
      .where('subnet_id', 'in', [...subnetIds])
      .execute();
  }

  /** Free a port's addresses (all, or those on the given subnet/address pairs). */
  async release(portId: string, only?: readonly { subnet_id: string; ip_address: string }[]): Promise<void> {
    if (only && !only.length) return;
    let q = this.k.deleteFrom('ip_allocations').where('port_id', '=', portId);
    if (only) q = q.where((eb) => eb.or(only.map((o) => eb.and([eb('subnet_id', '=', o.subnet_id), eb('ip_address', '=', o.ip_address)]))));
    await q.execute();
  }

  /** A project's quota overrides. */
  async quotas(projectId: string): Promise<Record<string, number>> {
    const rows = await this.k.selectFrom('network_quotas').selectAll().where('project_id', '=', projectId).execute();
    return Object.fromEntries(rows.map((r) => [r.resource, Number(r.limit)]));
  }

  /** Projects with quota overrides. */
  async quotaProjects(): Promise<string[]> {
    const rows = await this.k.selectFrom('network_quotas').select('project_id').distinct().execute();
    return rows.map((r) => r.project_id);
  }

  async setQuota(projectId: string, resource: string, limit: number): Promise<void> {
    await this.k.deleteFrom('network_quotas').where('project_id', '=', projectId).where('resource', '=', resource).execute();
    await this.k.insertInto('network_quotas').values({ project_id: projectId, resource, limit }).execute();
  }

  async deleteQuotas(projectId: string): Promise<void> {
    await this.k.deleteFrom('network_quotas').where('project_id', '=', projectId).execute();
  }
}
