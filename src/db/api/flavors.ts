import type { Selectable } from 'kysely';
import { MarkerNotFound } from '../../exception/instance.ts';
import { FlavorExists, FlavorIdExists, FlavorNotFound } from '../../exception/resources.ts';
import type { FlavorDTO } from '../../objects/flavor.ts';
import type { FlavorsTable } from '../schema.ts';
import { dbTime } from '../time.ts';
import { bool, type Db, insertedId, isDuplicate, parseJson } from './common.ts';

function toDTO(r: Selectable<FlavorsTable>): FlavorDTO {
  return {
    id: r.id,
    flavorid: r.flavorid,
    name: r.name,
    memory_mb: r.memory_mb,
    vcpus: r.vcpus,
    root_gb: r.root_gb,
    ephemeral_gb: r.ephemeral_gb,
    swap: r.swap,
    rxtx_factor: Number(r.rxtx_factor),
    vcpu_weight: r.vcpu_weight,
    disabled: bool(r.disabled),
    is_public: bool(r.is_public),
    description: r.description,
    extra_specs: parseJson<Record<string, string>>(r.extra_specs, {}),
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export type NewFlavor = Omit<FlavorDTO, 'id' | 'created_at' | 'updated_at' | 'extra_specs' | 'disabled'> & { extra_specs?: Record<string, string>; disabled?: boolean };

/** Columns a flavor list may be sorted by (Nova's VALID_SORT_KEYS for flavors). */
export const FLAVOR_SORT_KEYS = [
  'created_at',
  'description',
  'disabled',
  'ephemeral_gb',
  'flavorid',
  'id',
  'is_public',
  'memory_mb',
  'name',
  'root_gb',
  'rxtx_factor',
  'swap',
  'updated_at',
  'vcpu_weight',
  'vcpus',
] as const;
export type FlavorSortKey = (typeof FLAVOR_SORT_KEYS)[number];

export interface FlavorListOptions {
  /** true: public only; false: private only; undefined: both (admins), or public + accessible (projects). */
  isPublic?: boolean;
  /** A non-admin project sees public flavors and private ones shared with it. */
  projectId?: string;
  minMemoryMb?: number;
  minDisk?: number;
  sortKey?: FlavorSortKey;
  sortDir?: 'asc' | 'desc';
  limit?: number;
  /** flavorid of the last flavor of the previous page. */
  marker?: string;
}

/** The flavors table, flavor extra specs and flavor access. */
export class FlavorRepository {
  constructor(private readonly db: Db) {}

  async getByFlavorId(flavorid: string): Promise<FlavorDTO> {
    const r = await this.db.kysely.selectFrom('flavors').selectAll().where('flavorid', '=', flavorid).executeTakeFirst();
    if (!r) throw FlavorNotFound.of(flavorid);
    return toDTO(r);
  }

  async getById(id: number): Promise<FlavorDTO> {
    const r = await this.db.kysely.selectFrom('flavors').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw FlavorNotFound.of(String(id));
    return toDTO(r);
  }

  async list(opts: FlavorListOptions = {}): Promise<FlavorDTO[]> {
    let q = this.db.kysely.selectFrom('flavors').selectAll().where('disabled', '=', 0);
    if (opts.projectId !== undefined) {
      const pid = opts.projectId;
      const shared = this.db.kysely.selectFrom('flavor_projects').select('flavor_id').where('project_id', '=', pid);
      if (opts.isPublic === false) q = q.where('is_public', '=', 0).where('id', 'in', shared);
      else if (opts.isPublic === true) q = q.where('is_public', '=', 1);
      else q = q.where((eb) => eb.or([eb('is_public', '=', 1), eb('id', 'in', shared)]));
    } else if (opts.isPublic !== undefined) {
      q = q.where('is_public', '=', opts.isPublic ? 1 : 0);
    }
    if (opts.minMemoryMb !== undefined) q = q.where('memory_mb', '>=', opts.minMemoryMb);
    if (opts.minDisk !== undefined) q = q.where('root_gb', '>=', opts.minDisk);
    const key = opts.sortKey ?? 'flavorid';
    const dir = opts.sortDir ?? 'asc';
    if (opts.marker !== undefined) {
      const m = await this.db.kysely.selectFrom('flavors').selectAll().where('flavorid', '=', opts.marker).executeTakeFirst();
      if (!m) throw MarkerNotFound.of(opts.marker);
      const mv = m[key] as string | number;
      q = q.where((eb) => eb.or([eb(key, dir === 'asc' ? '>' : '<', mv), eb.and([eb(key, '=', mv), eb('id', '>', m.id)])]));
    }
    q = q.orderBy(key, dir).orderBy('id', 'asc');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(toDTO);
  }

  async create(f: NewFlavor): Promise<FlavorDTO> {
    try {
      const r = await this.db.kysely
        .insertInto('flavors')
        .values({
          flavorid: f.flavorid,
          name: f.name,
          memory_mb: f.memory_mb,
          vcpus: f.vcpus,
          root_gb: f.root_gb,
          ephemeral_gb: f.ephemeral_gb,
          swap: f.swap,
          rxtx_factor: f.rxtx_factor,
          vcpu_weight: f.vcpu_weight,
          disabled: f.disabled ? 1 : 0,
          is_public: f.is_public ? 1 : 0,
          description: f.description,
          extra_specs: JSON.stringify(f.extra_specs ?? {}),
          created_at: dbTime(),
          updated_at: null,
        })
        .executeTakeFirstOrThrow();
      return this.getById(insertedId(r));
    } catch (e) {
      if (isDuplicate(e)) {
        const byId = await this.db.kysely.selectFrom('flavors').select('id').where('flavorid', '=', f.flavorid).executeTakeFirst();
        if (byId) throw new FlavorIdExists(`Flavor with ID ${f.flavorid} already exists.`, { flavor_id: f.flavorid });
        throw new FlavorExists(`Flavor with name ${f.name} already exists.`, { name: f.name });
      }
      throw e;
    }
  }

  async update(flavorid: string, changes: { description?: string | null }): Promise<FlavorDTO> {
    const f = await this.getByFlavorId(flavorid);
    await this.db.kysely
      .updateTable('flavors')
      .set({ ...changes, updated_at: dbTime() })
      .where('id', '=', f.id)
      .execute();
    return this.getById(f.id);
  }

  async destroy(flavorid: string): Promise<void> {
    const f = await this.getByFlavorId(flavorid);
    await this.db.kysely.transaction().execute(async (trx) => {
      await trx.deleteFrom('flavor_projects').where('flavor_id', '=', f.id).execute();
      await trx.deleteFrom('flavors').where('id', '=', f.id).execute();
    });
  }

  /** Replace or merge extra specs (merge = true: add/overwrite keys). */
  async setExtraSpecs(flavorid: string, specs: Record<string, string>, merge = true): Promise<Record<string, string>> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const r = await trx.selectFrom('flavors').select(['id', 'extra_specs']).where('flavorid', '=', flavorid).executeTakeFirst();
      if (!r) throw FlavorNotFound.of(flavorid);
      const next = merge ? { ...parseJson<Record<string, string>>(r.extra_specs, {}), ...specs } : { ...specs };
      await trx
        .updateTable('flavors')
        .set({ extra_specs: JSON.stringify(next), updated_at: dbTime() })
        .where('id', '=', r.id)
        .execute();
      return next;
    });
  }

  /** Remove one extra spec; false if it was not there. */
  async deleteExtraSpec(flavorid: string, key: string): Promise<boolean> {
    return this.db.kysely.transaction().execute(async (trx) => {
      const r = await trx.selectFrom('flavors').select(['id', 'extra_specs']).where('flavorid', '=', flavorid).executeTakeFirst();
      if (!r) throw FlavorNotFound.of(flavorid);
      const specs = parseJson<Record<string, string>>(r.extra_specs, {});
      if (!Object.hasOwn(specs, key)) return false;
      delete specs[key];
      await trx
        .updateTable('flavors')
        .set({ extra_specs: JSON.stringify(specs), updated_at: dbTime() })
        .where('id', '=', r.id)
        .execute();
      return true;
    });
  }

  async accessList(flavorid: string): Promise<string[]> {
    const f = await this.getByFlavorId(flavorid);
    const rows = await this.db.kysely.selectFrom('flavor_projects').select('project_id').where('flavor_id', '=', f.id).orderBy('id').execute();
    return rows.map((r) => r.project_id);
  }

  /** Share a private flavor with a project; false if already shared. */
  async addAccess(flavorid: string, projectId: string): Promise<boolean> {
    const f = await this.getByFlavorId(flavorid);
    try {
      await this.db.kysely.insertInto('flavor_projects').values({ flavor_id: f.id, project_id: projectId, created_at: dbTime(), updated_at: null }).execute();
      return true;
    } catch (e) {
      if (isDuplicate(e)) return false;
      throw e;
    }
  }

  async removeAccess(flavorid: string, projectId: string): Promise<boolean> {
    const f = await this.getByFlavorId(flavorid);
    const r = await this.db.kysely.deleteFrom('flavor_projects').where('flavor_id', '=', f.id).where('project_id', '=', projectId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async hasAccess(flavorId: number, projectId: string): Promise<boolean> {
    const r = await this.db.kysely.selectFrom('flavor_projects').select('id').where('flavor_id', '=', flavorId).where('project_id', '=', projectId).executeTakeFirst();
    return r !== undefined;
  }
}
