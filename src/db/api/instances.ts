import type { Expression, Insertable, Selectable, SqlBool } from 'kysely';
import { sql } from 'kysely';
import { InstanceNotFound, InvalidSortKey, MarkerNotFound, UnexpectedTaskStateError } from '../../exception/instance.ts';
import type { FlavorSnapshot, InstanceDTO, InstanceUpdate } from '../../objects/instance.ts';
import type { NetworkInfo } from '../../objects/network-info.ts';
import type { InstancesTable } from '../schema.ts';
import { dbTime } from '../time.ts';
import { affected, bool, type Db, parseJson } from './common.ts';
import { type RegexColumn, SORT_KEYS, type SortKey } from './instance-columns.ts';

/** Sort keys every row has a value of (created_at is written by create()). */
const NEVER_NULL = new Set(['id', 'uuid', 'created_at']);

export { REGEX_COLUMNS, type RegexColumn, SORT_KEYS, type SortKey } from './instance-columns.ts';

type Row = Selectable<InstancesTable>;

function toDTO(r: Row): InstanceDTO {
  return {
    ...r,
    locked: bool(r.locked),
    auto_disk_config: bool(r.auto_disk_config),
    deleted: r.deleted !== 0,
    flavor: parseJson<FlavorSnapshot>(r.flavor, {} as FlavorSnapshot),
    old_flavor: parseJson<FlavorSnapshot | null>(r.old_flavor, null),
    new_flavor: parseJson<FlavorSnapshot | null>(r.new_flavor, null),
    metadata: parseJson<Record<string, string>>(r.metadata, {}),
    system_metadata: parseJson<Record<string, string>>(r.system_metadata, {}),
    tags: parseJson<string[]>(r.tags, []),
    network_info: parseJson<NetworkInfo>(r.network_info, []),
  } as InstanceDTO;
}

const JSON_FIELDS = new Set(['flavor', 'old_flavor', 'new_flavor', 'metadata', 'system_metadata', 'tags', 'network_info']);

function toRow(values: InstanceUpdate): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (JSON_FIELDS.has(k)) out[k] = JSON.stringify(v);
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
    else out[k] = v;
  }
  return out;
}

export type NewInstance = Omit<InstanceDTO, 'id' | 'created_at' | 'updated_at' | 'deleted_at' | 'deleted'>;

/** An instance's state, as settling reads it. */
export type InstanceState = Pick<InstanceDTO, 'uuid' | 'vm_state' | 'task_state'>;

/** What a guarded update expects to find (Nova's expected_task_state / expected_vm_state). */
export interface UpdateGuard {
  expectedTaskState?: readonly (string | null)[];
  expectedVmState?: readonly string[];
  /** The host the instance must still have (null: none yet); a scheduler placing it checks no other one did. */
  expectedHost?: string | null;
}

/** Does the instance already hold every value of `changes` (a retried write that went through before)? */
function alreadyApplied(changes: InstanceUpdate, current: InstanceDTO): boolean {
  const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return false;
  const now: Record<string, unknown> = { ...current };
  return entries.every(([k, v]) => JSON.stringify(now[k] ?? null) === JSON.stringify(v ?? null));
}

export interface InstanceFilters {
  project_id?: string;
  user_id?: string;
  /** A regular expression on display_name. */
  name?: string;
  vm_state?: readonly string[];
  task_state?: readonly (string | null)[];
  host?: string;
  node?: string;
  instance_type_id?: number;
  image_ref?: string;
  reservation_id?: string;
  availability_zone?: string;
  uuids?: readonly string[];
  /** Only instances changed at or after this time; includes deleted ones. */
  changes_since?: string;
  changes_before?: string;
  /** true: deleted only; false (default): live only; 'any': both. */
  deleted?: boolean | 'any';
  locked?: boolean;
  tags?: readonly string[];
  tags_any?: readonly string[];
  not_tags?: readonly string[];
  not_tags_any?: readonly string[];
  /** Columns matched by a regular expression (Nova's _regex_instance_filter: `column REGEXP value`). */
  regex?: Readonly<Partial<Record<RegexColumn, string>>>;
}

export interface ListOptions {
  sort?: readonly { key: string; dir: 'asc' | 'desc' }[];
  limit?: number;
  /** uuid of the last instance of the previous page. */
  marker?: string;
}

/** The instances table, with guarded updates for optimistic concurrency. */
export class InstanceRepository {
  constructor(private readonly db: Db) {}

  async create(values: NewInstance): Promise<InstanceDTO> {
    const now = dbTime();
    const row = toRow({ ...values, deleted_at: null } as InstanceUpdate);
    await this.db.kysely
      .insertInto('instances')
      .values({ ...row, uuid: values.uuid, created_at: now, updated_at: now, deleted: 0 } as Insertable<InstancesTable>)
      .execute();
    return this.get(values.uuid);
  }

  async get(uuid: string, opts: { readDeleted?: boolean } = {}): Promise<InstanceDTO> {
    let q = this.db.kysely.selectFrom('instances').selectAll().where('uuid', '=', uuid);
    if (!opts.readDeleted) q = q.where('deleted', '=', 0);
    const r = await q.executeTakeFirst();
    if (!r) throw InstanceNotFound.of(uuid);
    return toDTO(r);
  }

  /** The states of the instances not deleted among `uuids` (what nova-api's settling looks at, without the rest of the row). */
  async statesOf(uuids: readonly string[]): Promise<InstanceState[]> {
    if (uuids.length === 0) return [];
    return this.db.kysely
      .selectFrom('instances')
      .select(['uuid', 'vm_state', 'task_state'])
      .where('uuid', 'in', [...uuids])
      .where('deleted', '=', 0)
      .execute();
  }

  /**
   * Update an instance. With a guard, the UPDATE only applies while the
   * instance is still in an expected state; otherwise UnexpectedTaskStateError
   * (two writers can never both win).
   */
  async update(uuid: string, changes: InstanceUpdate, guard: UpdateGuard = {}): Promise<InstanceDTO> {
    const values = { ...toRow(changes), updated_at: dbTime() };
    let q = this.db.kysely.updateTable('instances').set(values).where('uuid', '=', uuid).where('deleted', '=', 0);
    if (guard.expectedTaskState) {
      const states = guard.expectedTaskState;
      const named = states.filter((s): s is string => s !== null);
      q = q.where((eb) => {
        const ors: Expression<SqlBool>[] = [];
        if (named.length) ors.push(eb('task_state', 'in', named));
        if (states.includes(null)) ors.push(eb('task_state', 'is', null));
        return eb.or(ors);
      });
    }
    if (guard.expectedVmState) q = q.where('vm_state', 'in', [...guard.expectedVmState]);
    if (guard.expectedHost !== undefined) q = guard.expectedHost === null ? q.where('host', 'is', null) : q.where('host', '=', guard.expectedHost);
    const r = await q.executeTakeFirst();
    if (affected(r) === 0) {
      const current = await this.get(uuid);
      // The same write again (a caller retrying after a lost reply): it went through, so it succeeds again.
      if (alreadyApplied(changes, current)) return current;
      if (guard.expectedHost !== undefined && current.host !== guard.expectedHost) {
        throw UnexpectedTaskStateError.of(uuid, { host: guard.expectedHost }, { host: current.host });
      }
      if (guard.expectedVmState && !guard.expectedVmState.includes(current.vm_state)) {
        throw UnexpectedTaskStateError.of(uuid, { vm_state: guard.expectedVmState }, { vm_state: current.vm_state });
      }
      throw UnexpectedTaskStateError.of(uuid, guard.expectedTaskState ?? null, current.task_state);
    }
    return this.get(uuid);
  }

  /** Live instances still building whose last change is older than `before` (stored time format), oldest first. */
  async staleBuilds(before: string, limit = 500): Promise<InstanceDTO[]> {
    const rows = await this.db.kysely
      .selectFrom('instances')
      .selectAll()
      .where('deleted', '=', 0)
      .where('vm_state', '=', 'building')
      .where('updated_at', '<', before)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
    return rows.map(toDTO);
  }

  /** Soft delete: deleted = id, vm_state deleted, terminated_at now. */
  async destroy(uuid: string): Promise<InstanceDTO> {
    await this.remove(uuid);
    return this.get(uuid, { readDeleted: true });
  }

  /** destroy() without reading the deleted row back (one statement less for a caller that does not need it). */
  async remove(uuid: string): Promise<void> {
    const now = dbTime();
    const r = await this.db.kysely
      .updateTable('instances')
      .set((eb) => ({ deleted: eb.ref('id'), deleted_at: now, updated_at: now, vm_state: 'deleted', task_state: null, terminated_at: now, power_state: 0 }))
      .where('uuid', '=', uuid)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (affected(r) === 0) throw InstanceNotFound.of(uuid);
    // Its request spec goes with it, as Nova destroys the RequestSpec with the instance.
    await this.db.kysely.deleteFrom('request_specs').where('instance_uuid', '=', uuid).execute();
  }

  private filtered(f: InstanceFilters) {
    let q = this.db.kysely.selectFrom('instances');
    const deleted = f.deleted ?? (f.changes_since || f.changes_before ? 'any' : false);
    if (deleted === true) q = q.where('deleted', '!=', 0);
    else if (deleted === false) q = q.where('deleted', '=', 0);
    if (f.project_id !== undefined) q = q.where('project_id', '=', f.project_id);
    if (f.user_id !== undefined) q = q.where('user_id', '=', f.user_id);
    if (f.name !== undefined) q = q.where(sql<SqlBool>`display_name REGEXP ${f.name}`);
    if (f.vm_state) q = q.where('vm_state', 'in', f.vm_state.length ? [...f.vm_state] : ['<none>']);
    if (f.task_state) {
      const ts = f.task_state;
      const named = ts.filter((s): s is string => s !== null);
      q = q.where((eb) => eb.or([...(named.length ? [eb('task_state', 'in', named)] : []), ...(ts.includes(null) ? [eb('task_state', 'is', null)] : [])]));
    }
    if (f.host !== undefined) q = q.where('host', '=', f.host);
    if (f.node !== undefined) q = q.where('node', '=', f.node);
    if (f.instance_type_id !== undefined) q = q.where('instance_type_id', '=', f.instance_type_id);
    if (f.image_ref !== undefined) q = q.where('image_ref', '=', f.image_ref);
    if (f.reservation_id !== undefined) q = q.where('reservation_id', '=', f.reservation_id);
    if (f.availability_zone !== undefined) q = q.where('availability_zone', '=', f.availability_zone);
    if (f.uuids) q = q.where('uuid', 'in', f.uuids.length ? [...f.uuids] : ['<none>']);
    if (f.changes_since) q = q.where('updated_at', '>=', f.changes_since);
    if (f.changes_before) q = q.where('updated_at', '<=', f.changes_before);
    if (f.locked !== undefined) q = q.where('locked', '=', f.locked ? 1 : 0);
    // Tags are a JSON array of strings; match '"tag"' inside it.
    for (const t of f.tags ?? []) q = q.where('tags', 'like', `%${JSON.stringify(t)}%`);
    if (f.tags_any?.length) q = q.where((eb) => eb.or((f.tags_any ?? []).map((t) => eb('tags', 'like', `%${JSON.stringify(t)}%`))));
    if (f.not_tags?.length) q = q.where((eb) => eb.not(eb.and((f.not_tags ?? []).map((t) => eb('tags', 'like', `%${JSON.stringify(t)}%`)))));
    for (const t of f.not_tags_any ?? []) q = q.where('tags', 'not like', `%${JSON.stringify(t)}%`);
    for (const [column, pattern] of Object.entries(f.regex ?? {})) q = q.where(sql<SqlBool>`${sql.ref(column)} REGEXP ${pattern}`);
    return q;
  }

  /**
   * List with Nova's semantics: filters, multi-key sort (default created_at
   * desc, then id), keyset pagination after `marker`.
   */
  async list(filters: InstanceFilters = {}, opts: ListOptions = {}): Promise<InstanceDTO[]> {
    const sort = opts.sort?.length ? [...opts.sort] : [{ key: 'created_at', dir: 'desc' as const }];
    for (const s of sort) {
      if (!Object.hasOwn(SORT_KEYS, s.key)) throw new InvalidSortKey(`Sort key supplied is invalid: ${s.key}`);
    }
    if (!sort.some((s) => s.key === 'id' || s.key === 'uuid')) sort.push({ key: 'id', dir: sort[0]?.dir ?? 'desc' });
    // Columns never null sort and compare as they are, so an index in that order serves the query (and its LIMIT);
    // the others as Nova's paginate_query orders nulls: below every value.
    const col = (key: string) => {
      if (NEVER_NULL.has(key)) return sql.ref(key);
      const kind = SORT_KEYS[key as SortKey];
      return kind === 'num' ? sql`COALESCE(${sql.ref(key)}, -1)` : sql`COALESCE(${sql.ref(key)}, '')`;
    };
    let q = this.filtered(filters).selectAll();
    if (opts.marker) {
      const m = await this.db.kysely.selectFrom('instances').selectAll().where('uuid', '=', opts.marker).executeTakeFirst();
      if (!m) throw MarkerNotFound.of(opts.marker);
      const mv = (key: string) => {
        const v = (m as Record<string, unknown>)[key];
        return v ?? (SORT_KEYS[key as SortKey] === 'num' ? -1 : '');
      };
      // (k1 > v1) OR (k1 = v1 AND k2 > v2) OR … with > or < per direction.
      const ors = sort.map((s, i) => {
        const eqs = sort.slice(0, i).map((p) => sql`${col(p.key)} = ${mv(p.key)}`);
        const cmp = s.dir === 'asc' ? sql`${col(s.key)} > ${mv(s.key)}` : sql`${col(s.key)} < ${mv(s.key)}`;
        return sql.join([...eqs, cmp], sql` AND `);
      });
      q = q.where(
        sql<SqlBool>`(${sql.join(
          ors.map((o) => sql`(${o})`),
          sql` OR `,
        )})`,
      );
    }
    for (const s of sort) q = q.orderBy(col(s.key), s.dir);
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(toDTO);
  }

  async listByHost(host: string): Promise<InstanceDTO[]> {
    const rows = await this.db.kysely.selectFrom('instances').selectAll().where('host', '=', host).where('deleted', '=', 0).execute();
    return rows.map(toDTO);
  }

  /**
   * instance_get_active_by_window_joined: instances, deleted ones included,
   * that ran during [begin, end) — launched before `end` and not terminated
   * by `begin` — ordered by project_id, uuid and paged after `marker` (a
   * uuid, deleted or not; MarkerNotFound when there is none).
   */
  async listActiveByWindow(begin: string, end: string, opts: { projectId?: string; limit?: number; marker?: string } = {}): Promise<InstanceDTO[]> {
    let q = this.db.kysely
      .selectFrom('instances')
      .selectAll()
      .where((eb) => eb.or([eb('terminated_at', 'is', null), eb('terminated_at', '>', begin)]))
      .where('launched_at', '<', end);
    if (opts.projectId !== undefined) q = q.where('project_id', '=', opts.projectId);
    if (opts.marker !== undefined) {
      const m = await this.db.kysely.selectFrom('instances').select(['project_id', 'uuid']).where('uuid', '=', opts.marker).executeTakeFirst();
      if (!m) throw new MarkerNotFound(`Marker ${opts.marker} could not be found.`, { marker: opts.marker });
      q = q.where((eb) => eb.or([eb('project_id', '>', m.project_id), eb.and([eb('project_id', '=', m.project_id), eb('uuid', '>', m.uuid)])]));
    }
    q = q.orderBy('project_id', 'asc').orderBy('uuid', 'asc');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(toDTO);
  }

  /**
   * Change the tags of a live instance with a guarded UPDATE: `change` maps
   * the current tags to the new ones, and the write only applies while the
   * vm_state is one of `vmStates` and no other writer changed the tags in
   * between (then it reads and tries again). Answers the tags written, or
   * the vm_state that forbade the change. Tags live beside the instance, as
   * Nova's tags table, so updated_at is left alone.
   */
  async updateTags(uuid: string, vmStates: readonly string[], change: (current: readonly string[]) => readonly string[]): Promise<{ tags: string[] } | { refusedIn: string }> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.db.kysely.selectFrom('instances').select(['tags', 'vm_state']).where('uuid', '=', uuid).where('deleted', '=', 0).executeTakeFirst();
      if (!row) throw InstanceNotFound.of(uuid);
      if (!vmStates.includes(row.vm_state)) return { refusedIn: row.vm_state };
      const tags = [...change(parseJson<string[]>(row.tags, []))];
      if (JSON.stringify(tags) === row.tags) return { tags }; // nothing to write (MySQL would count no row changed)
      const r = await this.db.kysely
        .updateTable('instances')
        .set({ tags: JSON.stringify(tags) })
        .where('uuid', '=', uuid)
        .where('deleted', '=', 0)
        .where('vm_state', 'in', [...vmStates])
        .where('tags', '=', row.tags)
        .executeTakeFirst();
      if (affected(r) === 1) return { tags };
      if (attempt >= 20) throw UnexpectedTaskStateError.of(uuid, { tags: row.tags }, 'changed concurrently');
    }
  }

  /**
   * Change some keys of an instance's system_metadata without losing a
   * concurrent writer's: `change` gets the current map and answers the keys
   * to set (a null value removes one), or null to write nothing; the UPDATE
   * applies only while the column still holds what was read (else it reads
   * and tries again). Answers the map written, or null when nothing was.
   */
  async updateSystemMetadata(uuid: string, change: (current: Readonly<Record<string, string>>) => Record<string, string | null> | null): Promise<Record<string, string> | null> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.db.kysely.selectFrom('instances').select(['system_metadata']).where('uuid', '=', uuid).where('deleted', '=', 0).executeTakeFirst();
      if (!row) throw InstanceNotFound.of(uuid);
      const current = parseJson<Record<string, string>>(row.system_metadata, {});
      const keys = change(current);
      if (keys === null) return null;
      const next: Record<string, string> = { ...current };
      for (const [k, v] of Object.entries(keys)) {
        if (v === null) delete next[k];
        else next[k] = v;
      }
      let q = this.db.kysely
        .updateTable('instances')
        .set({ system_metadata: JSON.stringify(next), updated_at: dbTime() })
        .where('uuid', '=', uuid)
        .where('deleted', '=', 0);
      q = row.system_metadata === null ? q.where('system_metadata', 'is', null) : q.where('system_metadata', '=', row.system_metadata);
      if (affected(await q.executeTakeFirst()) === 1) return next;
      if (attempt >= 20) throw UnexpectedTaskStateError.of(uuid, { system_metadata: row.system_metadata }, 'changed concurrently');
    }
  }

  /** Usage a project holds (quota counting): instances, vCPUs, RAM. */
  async usage(projectId: string): Promise<{ instances: number; cores: number; ram: number }> {
    const r = await this.db.kysely
      .selectFrom('instances')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('vcpus').as('cores'), eb.fn.sum<number>('memory_mb').as('ram')])
      .where('project_id', '=', projectId)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return { instances: Number(r?.n ?? 0), cores: Number(r?.cores ?? 0), ram: Number(r?.ram ?? 0) };
  }
}
