import type { Kysely, Selectable, Updateable } from 'kysely';
import { affected, bool, isDuplicate } from '../../db/api/common.ts';
import type { Db } from '../../db/connection.ts';
import { dbTime } from '../../db/time.ts';
import { expectOneOf } from '../../util/one-of.ts';
import { conflict } from '../errors.ts';
import { IMAGE_STATUSES, type ImageDTO, type ImageStatus, VISIBILITIES, type Visibility } from '../types.ts';
import { type ImageListQuery, listImages } from './image-list.ts';
import { type ImageDatabase, type ImagesTable, imageKysely } from './schema.ts';

/** A row of the images table. */
export type ImageRow = Selectable<ImagesTable>;

/** The columns a create sets. */
export interface NewImage {
  id: string;
  name: string | null;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  owner: string | null;
  min_disk: number;
  min_ram: number;
  disk_format: string | null;
  container_format: string | null;
}

/** What a successful upload records. */
export interface ImageData {
  size: number;
  checksum: string;
  os_hash_algo: string;
  os_hash_value: string;
  location: string;
}

/** A row plus its properties and tags as the domain object. */
export function toImageDTO(r: ImageRow, properties: Record<string, string>, tags: string[]): ImageDTO {
  return {
    id: r.id,
    name: r.name,
    // Stored as strings; only these values are ever written.
    status: expectOneOf(IMAGE_STATUSES, r.status, `status of image ${r.id}`),
    visibility: expectOneOf(VISIBILITIES, r.visibility, `visibility of image ${r.id}`),
    protected: bool(r.protected),
    os_hidden: bool(r.os_hidden),
    checksum: r.checksum,
    os_hash_algo: r.os_hash_algo,
    os_hash_value: r.os_hash_value,
    owner: r.owner,
    size: r.size === null ? null : Number(r.size),
    virtual_size: r.virtual_size === null ? null : Number(r.virtual_size),
    min_disk: Number(r.min_disk),
    min_ram: Number(r.min_ram),
    disk_format: r.disk_format,
    container_format: r.container_format,
    location: r.location,
    created_at: r.created_at,
    updated_at: r.updated_at,
    deleted: bool(r.deleted),
    properties,
    tags,
  };
}

/**
 * The images table and its children (properties, tags). Status changes are
 * conditional UPDATEs (`WHERE status = <expected>`), so of two concurrent
 * writers only one wins, as Glance's `image_repo.save(from_state=…)`.
 */
export class ImageRepository {
  readonly k: Kysely<ImageDatabase>;

  constructor(db: Db) {
    this.k = imageKysely(db);
  }

  /** Insert an image with its properties and tags; 409 when the id was ever used. */
  async create(values: NewImage, properties: Record<string, string>, tags: readonly string[]): Promise<ImageDTO> {
    const now = dbTime();
    const duplicate = () => conflict(`Image with identifier ${values.id} already exists!`);
    const existing = await this.k.selectFrom('images').select('id').where('id', '=', values.id).executeTakeFirst();
    if (existing) throw duplicate();
    try {
      await this.k.transaction().execute(async (trx) => {
        await trx
          .insertInto('images')
          .values({ ...values, status: 'queued', protected: values.protected ? 1 : 0, os_hidden: values.os_hidden ? 1 : 0, created_at: now, updated_at: now, deleted: 0 })
          .execute();
        await writeChildren(trx, values.id, properties, tags, now);
      });
    } catch (e) {
      if (isDuplicate(e)) throw duplicate();
      throw e;
    }
    return this.getOrThrow(values.id);
  }

  /** A live (not deleted) image, or null. */
  async get(id: string): Promise<ImageDTO | null> {
    const r = await this.k.selectFrom('images').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    if (!r) return null;
    const [props, tags] = await Promise.all([this.propertiesOf([id]), this.tagsOf([id])]);
    return toImageDTO(r, props.get(id) ?? {}, tags.get(id) ?? []);
  }

  private async getOrThrow(id: string): Promise<ImageDTO> {
    const image = await this.get(id);
    if (!image) throw new Error(`image ${id} vanished`);
    return image;
  }

  /** Every live image in `status` (id and last update), whoever owns it. */
  async withStatus(status: ImageStatus): Promise<{ id: string; updated_at: string }[]> {
    return this.k.selectFrom('images').select(['id', 'updated_at']).where('status', '=', status).where('deleted', '=', 0).execute();
  }

  /** One page of images (see ImageListQuery), with their properties and tags. */
  async list(q: ImageListQuery): Promise<ImageDTO[]> {
    const rows = await listImages(this.k, q);
    const ids = rows.map((r) => r.id);
    const [props, tags] = await Promise.all([this.propertiesOf(ids), this.tagsOf(ids)]);
    return rows.map((r) => toImageDTO(r, props.get(r.id) ?? {}, tags.get(r.id) ?? []));
  }

  /**
   * Change columns and, when given, replace the whole set of properties or
   * tags. Returns null when the image is gone (deleted meanwhile).
   */
  async update(id: string, columns: Updateable<ImagesTable>, properties?: Record<string, string>, tags?: readonly string[]): Promise<ImageDTO | null> {
    const now = dbTime();
    const found = await this.k.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('images')
        .set({ ...columns, updated_at: now })
        .where('id', '=', id)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      if (affected(r) === 0) return false;
      if (properties) await trx.deleteFrom('image_properties').where('image_id', '=', id).execute();
      if (tags) await trx.deleteFrom('image_tags').where('image_id', '=', id).execute();
      await writeChildren(trx, id, properties ?? {}, tags ?? [], now);
      return true;
    });
    return found ? this.get(id) : null;
  }

  /** `from` → `to` only if the image is still live and in `from`; true when it changed. */
  async transition(id: string, from: ImageStatus, to: ImageStatus, columns: Updateable<ImagesTable> = {}): Promise<boolean> {
    const r = await this.k
      .updateTable('images')
      .set({ ...columns, status: to, updated_at: dbTime() })
      .where('id', '=', id)
      .where('status', '=', from)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return affected(r) > 0;
  }

  /** saving → active with the data's size, checksums and location; false when the image changed meanwhile (deleted). */
  activate(id: string, data: ImageData): Promise<boolean> {
    return this.transition(id, 'saving', 'active', { ...data });
  }

  /** saving → queued after a failed upload (size and checksums cleared, as Glance's status setter does). */
  restore(id: string): Promise<boolean> {
    return this.transition(id, 'saving', 'queued', { size: null, virtual_size: null, checksum: null, os_hash_algo: null, os_hash_value: null, location: null });
  }

  /** Soft delete (status deleted); drops properties, tags and members. False if already gone. */
  async softDelete(id: string): Promise<boolean> {
    const now = dbTime();
    return this.k.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('images')
        .set({ status: 'deleted', deleted: 1, deleted_at: now, updated_at: now })
        .where('id', '=', id)
        .where('deleted', '=', 0)
        .executeTakeFirst();
      if (affected(r) === 0) return false;
      for (const t of ['image_properties', 'image_tags', 'image_members'] as const) await trx.deleteFrom(t).where('image_id', '=', id).execute();
      return true;
    });
  }

  private async propertiesOf(ids: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    if (ids.length === 0) return out;
    const rows = await this.k.selectFrom('image_properties').select(['image_id', 'name', 'value']).where('image_id', 'in', ids).orderBy('id').execute();
    for (const r of rows) {
      const props = out.get(r.image_id) ?? {};
      props[r.name] = r.value;
      out.set(r.image_id, props);
    }
    return out;
  }

  private async tagsOf(ids: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const rows = await this.k.selectFrom('image_tags').select(['image_id', 'value']).where('image_id', 'in', ids).orderBy('id').execute();
    for (const r of rows) out.set(r.image_id, [...(out.get(r.image_id) ?? []), r.value]);
    return out;
  }
}

async function writeChildren(trx: Kysely<ImageDatabase>, id: string, properties: Record<string, string>, tags: readonly string[], now: string): Promise<void> {
  const props = Object.entries(properties).map(([name, value]) => ({ image_id: id, name, value, created_at: now }));
  if (props.length) await trx.insertInto('image_properties').values(props).execute();
  const uniqueTags = [...new Set(tags)].map((value) => ({ image_id: id, value, created_at: now }));
  if (uniqueTags.length) await trx.insertInto('image_tags').values(uniqueTags).execute();
}
