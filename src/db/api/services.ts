import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { ServiceBinaryExists, ServiceNotFound } from '../../exception/resources.ts';
import type { ServiceDTO } from '../../objects/service.ts';
import type { ServicesTable } from '../schema.ts';
import { dbTime } from '../time.ts';
import { affected, bool, type Db, insertedId, isDuplicate } from './common.ts';

function toDTO(r: Selectable<ServicesTable>): ServiceDTO {
  return {
    id: r.id,
    uuid: r.uuid,
    host: r.host,
    binary: r.binary,
    topic: r.topic,
    report_count: r.report_count,
    disabled: bool(r.disabled),
    disabled_reason: r.disabled_reason,
    last_seen_up: r.last_seen_up,
    forced_down: bool(r.forced_down),
    version: r.version,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export interface ServiceFilter {
  binary?: string;
  host?: string;
  /** Any of these hosts. */
  hosts?: readonly string[];
  disabled?: boolean;
}

export type ServiceChanges = Partial<Pick<ServiceDTO, 'disabled' | 'disabled_reason' | 'forced_down' | 'version' | 'topic'>>;

/** The services table: one row per (host, binary) daemon. */
export class ServiceRepository {
  constructor(private readonly db: Db) {}

  private base() {
    return this.db.kysely.selectFrom('services').selectAll().where('deleted', '=', 0);
  }

  async get(id: number): Promise<ServiceDTO> {
    const r = await this.base().where('id', '=', id).executeTakeFirst();
    if (!r) throw ServiceNotFound.of(id);
    return toDTO(r);
  }

  async getByUuid(uuid: string): Promise<ServiceDTO> {
    const r = await this.base().where('uuid', '=', uuid).executeTakeFirst();
    if (!r) throw ServiceNotFound.of(uuid);
    return toDTO(r);
  }

  async findByHostAndBinary(host: string, binary: string): Promise<ServiceDTO | null> {
    const r = await this.base().where('host', '=', host).where('binary', '=', binary).executeTakeFirst();
    return r ? toDTO(r) : null;
  }

  async list(filter: ServiceFilter = {}): Promise<ServiceDTO[]> {
    let q = this.base();
    if (filter.binary !== undefined) q = q.where('binary', '=', filter.binary);
    if (filter.host !== undefined) q = q.where('host', '=', filter.host);
    if (filter.hosts !== undefined) q = q.where('host', 'in', filter.hosts.length ? [...filter.hosts] : ['<none>']);
    if (filter.disabled !== undefined) q = q.where('disabled', '=', filter.disabled ? 1 : 0);
    return (await q.orderBy('id').execute()).map(toDTO);
  }

  /**
   * The services of `binary` written (created, updated, heart-beating,
   * deleted) at or after `since` (a stored time), deleted ones included and
   * flagged: what a cache of the services reads to stay current.
   */
  async changedSince(binary: string, since: string): Promise<{ service: ServiceDTO; deleted: boolean }[]> {
    const rows = await this.db.kysely.selectFrom('services').selectAll().where('binary', '=', binary).where('updated_at', '>=', since).orderBy('id').execute();
    return rows.map((r) => ({ service: toDTO(r), deleted: Number(r.deleted) !== 0 }));
  }

  async create(values: { host: string; binary: string; topic: string | null; version: number; disabled?: boolean; disabled_reason?: string | null }): Promise<ServiceDTO> {
    const now = dbTime();
    try {
      const r = await this.db.kysely
        .insertInto('services')
        .values({
          uuid: randomUUID(),
          host: values.host,
          binary: values.binary,
          topic: values.topic,
          version: values.version,
          disabled: values.disabled ? 1 : 0,
          disabled_reason: values.disabled_reason ?? null,
          forced_down: 0,
          report_count: 0,
          created_at: now,
          updated_at: now,
        })
        .executeTakeFirstOrThrow();
      return this.get(insertedId(r));
    } catch (e) {
      if (isDuplicate(e)) throw new ServiceBinaryExists(`Service with host ${values.host} binary ${values.binary} exists.`, { host: values.host, binary: values.binary });
      throw e;
    }
  }

  /** Find the service of (host, binary) or create it; used when a daemon starts. */
  async getOrCreate(values: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO> {
    const existing = await this.findByHostAndBinary(values.host, values.binary);
    if (existing) {
      if (existing.version !== values.version || existing.topic !== values.topic) {
        return this.update(existing.id, { version: values.version, topic: values.topic });
      }
      return existing;
    }
    try {
      return await this.create(values);
    } catch (e) {
      if (e instanceof ServiceBinaryExists) {
        const again = await this.findByHostAndBinary(values.host, values.binary);
        if (again) return again;
      }
      throw e;
    }
  }

  async update(id: number, changes: ServiceChanges): Promise<ServiceDTO> {
    const values: Record<string, unknown> = { updated_at: dbTime() };
    for (const [k, v] of Object.entries(changes)) values[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    const r = await this.db.kysely.updateTable('services').set(values).where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    if (affected(r) === 0) throw ServiceNotFound.of(id);
    return this.get(id);
  }

  /** Record a heartbeat: report_count + 1 and last_seen_up = now. */
  async heartbeat(id: number): Promise<ServiceDTO> {
    const s = (await this.heartbeatMany([id])).get(id);
    if (!s) throw ServiceNotFound.of(id);
    return s;
  }

  /**
   * Heartbeats of many services at once: one UPDATE (report_count + 1,
   * last_seen_up = now) and one SELECT for all of them. The services not
   * found (deleted) are missing from the answer.
   */
  async heartbeatMany(ids: readonly number[]): Promise<Map<number, ServiceDTO>> {
    const out = new Map<number, ServiceDTO>();
    if (ids.length === 0) return out;
    const now = dbTime();
    await this.db.kysely
      .updateTable('services')
      .set((eb) => ({ report_count: eb('report_count', '+', 1), last_seen_up: now, updated_at: now }))
      .where('id', 'in', [...ids])
      .where('deleted', '=', 0)
      .execute();
    for (const r of await this.base()
      .where('id', 'in', [...ids])
      .execute())
      out.set(r.id, toDTO(r));
    return out;
  }

  /** Soft delete (Nova's `deleted = id`). */
  async destroy(id: number): Promise<void> {
    const now = dbTime();
    const r = await this.db.kysely
      .updateTable('services')
      .set((eb) => ({ deleted: eb.ref('id'), deleted_at: now, updated_at: now }))
      .where('id', '=', id)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (affected(r) === 0) throw ServiceNotFound.of(id);
  }
}
