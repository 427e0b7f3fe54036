import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import type { ImageDTO, Visibility } from '../types.ts';
import type { ImageDatabase } from './schema.ts';

/** Columns a list may sort on (Glance's _available_sort_keys). */
export const SORT_KEYS = ['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

/** Columns a filter may compare directly. */
export type FilterColumn =
  | 'id'
  | 'name'
  | 'status'
  | 'visibility'
  | 'owner'
  | 'checksum'
  | 'os_hash_algo'
  | 'os_hash_value'
  | 'disk_format'
  | 'container_format'
  | 'size'
  | 'virtual_size'
  | 'min_disk'
  | 'min_ram'
  | 'created_at'
  | 'updated_at'
  | 'protected'
  | 'os_hidden';
/** Comparison of a column filter (`in` takes a list). */
export type FilterOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'in';

/** One comparison on an images column: `in` with a list, the others with one value. */
export type ColumnFilter = { column: FilterColumn; op: 'in'; value: readonly (string | number)[] } | { column: FilterColumn; op: Exclude<FilterOp, 'in'>; value: string | number };

/** What GET /v2/images asks the database for, already validated. */
export interface ImageListQuery {
  /** The caller's project (Glance's context.owner) and whether they are an admin. */
  project: string | null;
  isAdmin: boolean;
  /** Shared images count only with this membership status ('all': any). */
  memberStatus: 'pending' | 'accepted' | 'rejected' | 'all';
  /** Only this visibility; 'all' lifts the default hiding of others' community images. */
  visibility?: Visibility | 'all';
  filters: readonly ColumnFilter[];
  /** Custom property equality filters. */
  properties: readonly (readonly [string, string])[];
  /** Every one of these tags. */
  tags: readonly string[];
  /** Sort order; `created_at` and `id` are appended for a stable order. */
  sort: readonly { key: SortKey; dir: SortDir }[];
  /** The last image of the previous page. */
  marker?: ImageDTO;
  limit: number;
}

type Eb = ExpressionBuilder<ImageDatabase, 'images'>;
const SQL_OP: Record<Exclude<FilterOp, 'in'>, '=' | '<>' | '>' | '>=' | '<' | '<='> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

/** Glance's visibility rules for a list (glance.db.sqlalchemy.api._select_images_query). */
function visibleTo(eb: Eb, q: ImageListQuery): Expression<SqlBool> {
  const conds: Expression<SqlBool>[] = [];
  if (!q.isAdmin) {
    const ors: Expression<SqlBool>[] = [eb('images.visibility', 'in', ['public', 'community'])];
    if (q.project !== null) {
      ors.push(eb('images.owner', '=', q.project));
      let member = eb
        .selectFrom('image_members')
        .select(sql<number>`1`.as('one'))
        .whereRef('image_members.image_id', '=', 'images.id')
        .where('image_members.member', '=', q.project);
      if (q.memberStatus !== 'all') member = member.where('image_members.status', '=', q.memberStatus);
      ors.push(eb.and([eb('images.visibility', '=', 'shared'), eb.exists(member)]));
    }
    conds.push(eb.or(ors));
  }
  if (q.visibility !== undefined) {
    if (q.visibility !== 'all') conds.push(eb('images.visibility', '=', q.visibility));
  } else if (q.project === null) {
    conds.push(eb('images.visibility', '<>', 'community'));
  } else {
    conds.push(eb.or([eb('images.owner', '=', q.project), eb('images.visibility', '<>', 'community')]));
  }
  return eb.and(conds);
}

function filterExpr(eb: Eb, f: ColumnFilter): Expression<SqlBool> {
  const col = sql.ref(`images.${f.column}`);
  if (f.op === 'in') return f.value.length ? eb(col, 'in', f.value) : sql<SqlBool>`0 = 1`;
  return eb(col, SQL_OP[f.op], f.value);
}

/**
 * Rows strictly after the marker in the sort order. NULLs sort first
 * ascending and last descending on both SQLite and MySQL, so "after" is
 * spelled out per direction with NULLs in mind.
 */
function afterMarker(eb: Eb, sort: readonly { key: SortKey; dir: SortDir }[], marker: ImageDTO): Expression<SqlBool> {
  const ors: Expression<SqlBool>[] = [];
  for (const [i, { key, dir }] of sort.entries()) {
    const ands: Expression<SqlBool>[] = [];
    for (const { key: before } of sort.slice(0, i)) {
      const v = marker[before];
      ands.push(v === null ? eb(`images.${before}`, 'is', null) : eb(sql.ref(`images.${before}`), '=', v));
    }
    const v = marker[key];
    const ref = sql.ref(`images.${key}`);
    if (dir === 'asc') ands.push(v === null ? eb(`images.${key}`, 'is not', null) : eb(ref, '>', v));
    else ands.push(v === null ? sql<SqlBool>`0 = 1` : eb.or([eb(ref, '<', v), eb(`images.${key}`, 'is', null)]));
    ors.push(eb.and(ands));
  }
  return eb.or(ors);
}

/** The page of image rows a list asks for (properties and tags are loaded by the caller). */
export async function listImages(k: Kysely<ImageDatabase>, q: ImageListQuery) {
  const sort = [...q.sort];
  const defaultDir: SortDir = sort.length > 0 && sort.every((s) => s.dir === sort[0]?.dir) ? (sort[0]?.dir ?? 'desc') : 'desc';
  for (const key of ['created_at', 'id'] as const) if (!sort.some((s) => s.key === key)) sort.push({ key, dir: defaultDir });

  let query = k
    .selectFrom('images')
    .selectAll('images')
    .where('images.deleted', '=', 0)
    .where('images.status', '<>', 'killed')
    .where((eb) => visibleTo(eb, q));
  for (const f of q.filters) query = query.where((eb) => filterExpr(eb, f));
  for (const [name, value] of q.properties) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('image_properties')
          .select(sql<number>`1`.as('one'))
          .whereRef('image_properties.image_id', '=', 'images.id')
          .where('image_properties.name', '=', name)
          .where('image_properties.value', '=', value),
      ),
    );
  }
  for (const tag of q.tags) {
    query = query.where((eb) =>
      eb.exists(eb.selectFrom('image_tags').select(sql<number>`1`.as('one')).whereRef('image_tags.image_id', '=', 'images.id').where('image_tags.value', '=', tag)),
    );
  }
  const marker = q.marker;
  if (marker) query = query.where((eb) => afterMarker(eb, sort, marker));
  for (const s of sort) query = query.orderBy(`images.${s.key}`, s.dir);
  return query.limit(q.limit).execute();
}
