import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { AggregateHostExists, AggregateHostNotFound, AggregateNameExists, AggregateNotFound } from '../../exception/aggregate.ts';
import type { AggregateDTO } from '../../objects/aggregate.ts';
import type { AggregatesTable, NovaDatabase } from '../schema.ts';
import { dbTime } from '../time.ts';
import { affected, type Db, isDuplicate } from './common.ts';

type Row = Selectable<AggregatesTable>;
type Executor = Kysely<NovaDatabase>;

function toDTO(r: Row, hosts: string[], metadata: Record<string, string>): AggregateDTO {
  return {
    id: r.id,
    uuid: r.uuid,
    name: r.name,
    hosts,
    metadata,
    created_at: r.created_at,
    updated_at: r.updated_at,
    deleted_at: r.deleted_at,
    deleted: r.deleted !== 0,
  };
}

/**
 * aggregates, aggregate_hosts and aggregate_metadata: host aggregates with
 * their hosts and metadata (Nova's Aggregate and AggregateList objects).
 */
export class AggregateRepository {
  constructor(private readonly db: Db) {}

  /** The aggregates of these rows, hosts and metadata attached (two queries). */
  private async withDetails(rows: Row[], k: Executor = this.db.kysely): Promise<AggregateDTO[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [hosts, meta] = await Promise.all([
      k.selectFrom('aggregate_hosts').select(['aggregate_id', 'host']).where('aggregate_id', 'in', ids).orderBy('id').execute(),
      k.selectFrom('aggregate_metadata').select(['aggregate_id', 'key', 'value']).where('aggregate_id', 'in', ids).orderBy('id').execute(),
    ]);
    const hostsOf = new Map<number, string[]>();
    for (const h of hosts) hostsOf.set(h.aggregate_id, [...(hostsOf.get(h.aggregate_id) ?? []), h.host]);
    const metaOf = new Map<number, Record<string, string>>();
    for (const m of meta) metaOf.set(m.aggregate_id, { ...(metaOf.get(m.aggregate_id) ?? {}), [m.key]: m.value });
    return rows.map((r) => toDTO(r, hostsOf.get(r.id) ?? [], metaOf.get(r.id) ?? {}));
  }

  /** Every live aggregate, by id, with hosts and metadata (AggregateList.get_all). */
  async list(): Promise<AggregateDTO[]> {
    return this.withDetails(await this.db.kysely.selectFrom('aggregates').selectAll().where('deleted', '=', 0).orderBy('id').execute());
  }

  /** The live aggregates a host belongs to (AggregateList.get_by_host). */
  async listByHost(host: string): Promise<AggregateDTO[]> {
    const rows = await this.db.kysely
      .selectFrom('aggregates')
      .selectAll('aggregates')
      .innerJoin('aggregate_hosts', 'aggregate_hosts.aggregate_id', 'aggregates.id')
      .where('aggregate_hosts.host', '=', host)
      .where('aggregates.deleted', '=', 0)
      .orderBy('aggregates.id')
      .execute();
    return this.withDetails(rows);
  }

  /** One live aggregate (AggregateNotFound otherwise). */
  async get(id: number, k: Executor = this.db.kysely): Promise<AggregateDTO> {
    const r = await k.selectFrom('aggregates').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    if (!r) throw AggregateNotFound.of(id);
    return (await this.withDetails([r], k))[0] as AggregateDTO;
  }

  /** A new aggregate with its initial metadata (AggregateNameExists when a live one has the name). */
  async create(name: string, metadata: Record<string, string> = {}): Promise<AggregateDTO> {
    const now = dbTime();
    const uuid = randomUUID();
    try {
      return await this.db.kysely.transaction().execute(async (trx) => {
        await trx.insertInto('aggregates').values({ uuid, name, created_at: now, updated_at: null }).execute();
        const row = await trx.selectFrom('aggregates').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow();
        const entries = Object.entries(metadata);
        if (entries.length > 0) {
          await trx
            .insertInto('aggregate_metadata')
            .values(entries.map(([key, value]) => ({ aggregate_id: row.id, key, value, created_at: now, updated_at: null })))
            .execute();
        }
        return this.get(row.id, trx);
      });
    } catch (e) {
      if (isDuplicate(e)) throw AggregateNameExists.of(name);
      throw e;
    }
  }

  /** Rename (AggregateNameExists when another live aggregate has the name). */
  async rename(id: number, name: string): Promise<AggregateDTO> {
    try {
      const r = await this.db.kysely.updateTable('aggregates').set({ name, updated_at: dbTime() }).where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
      if (affected(r) === 0) throw AggregateNotFound.of(id);
    } catch (e) {
      if (isDuplicate(e)) throw AggregateNameExists.of(name);
      throw e;
    }
    return this.get(id);
  }

  /** Aggregate.update_metadata: set each key; a null value removes the key (absent keys are ignored). */
  async updateMetadata(id: number, updates: Readonly<Record<string, string | null>>): Promise<AggregateDTO> {
    const now = dbTime();
    return this.db.kysely.transaction().execute(async (trx) => {
      await this.get(id, trx);
      for (const [key, value] of Object.entries(updates)) {
        await trx.deleteFrom('aggregate_metadata').where('aggregate_id', '=', id).where('key', '=', key).execute();
        if (value !== null) await trx.insertInto('aggregate_metadata').values({ aggregate_id: id, key, value, created_at: now, updated_at: null }).execute();
      }
      await trx.updateTable('aggregates').set({ updated_at: now }).where('id', '=', id).execute();
      return this.get(id, trx);
    });
  }

  /** Aggregate.add_host (AggregateHostExists when it is already there). */
  async addHost(id: number, host: string): Promise<AggregateDTO> {
    await this.get(id);
    try {
      await this.db.kysely.insertInto('aggregate_hosts').values({ aggregate_id: id, host, created_at: dbTime(), updated_at: null }).execute();
    } catch (e) {
      if (isDuplicate(e)) throw AggregateHostExists.of(id, host);
      throw e;
    }
    return this.get(id);
  }

  /** Aggregate.delete_host (AggregateHostNotFound when it is not there). */
  async removeHost(id: number, host: string): Promise<AggregateDTO> {
    await this.get(id);
    const r = await this.db.kysely.deleteFrom('aggregate_hosts').where('aggregate_id', '=', id).where('host', '=', host).executeTakeFirst();
    if (affected(r) === 0) throw AggregateHostNotFound.of(id, host);
    return this.get(id);
  }

  /** Soft delete the aggregate; its host and metadata rows go with it. */
  async destroy(id: number): Promise<void> {
    await this.db.kysely.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('aggregates')
        .set((eb) => ({ deleted: eb.ref('id'), deleted_at: dbTime() }))
        .where('id', '=', id)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      if (affected(r) === 0) throw AggregateNotFound.of(id);
      await trx.deleteFrom('aggregate_hosts').where('aggregate_id', '=', id).execute();
      await trx.deleteFrom('aggregate_metadata').where('aggregate_id', '=', id).execute();
    });
  }
}
