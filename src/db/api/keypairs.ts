import type { Selectable } from 'kysely';
import { KeyPairExists, KeypairNotFound } from '../../exception/resources.ts';
import type { KeyPairDTO } from '../../objects/keypair.ts';
import type { KeyPairsTable } from '../schema.ts';
import { dbTime } from '../time.ts';
import { affected, type Db, isDuplicate } from './common.ts';

const toDTO = (r: Selectable<KeyPairsTable>): KeyPairDTO => ({
  id: r.id,
  name: r.name,
  user_id: r.user_id,
  fingerprint: r.fingerprint,
  public_key: r.public_key,
  type: r.type,
  created_at: r.created_at,
  updated_at: r.updated_at,
  deleted_at: r.deleted_at,
  deleted: r.deleted !== 0,
});

/** key_pairs: SSH (or x509) public keys, per user. */
export class KeyPairRepository {
  constructor(private readonly db: Db) {}

  async list(userId: string, opts: { limit?: number; marker?: string } = {}): Promise<KeyPairDTO[]> {
    let q = this.db.kysely.selectFrom('key_pairs').selectAll().where('user_id', '=', userId).where('deleted', '=', 0);
    if (opts.marker !== undefined) {
      const marker = opts.marker;
      const m = await this.db.kysely.selectFrom('key_pairs').select('id').where('user_id', '=', userId).where('name', '=', marker).where('deleted', '=', 0).executeTakeFirst();
      if (!m) throw KeypairNotFound.of(marker, userId);
      q = q.where('id', '>', m.id);
    }
    q = q.orderBy('id');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(toDTO);
  }

  /**
   * A user's key pairs ordered by name, as Nova's API database pages them;
   * `marker` is the name of the last key pair of the previous page
   * (KeypairNotFound when the user has no such key pair).
   */
  async listByName(userId: string, opts: { limit?: number; marker?: string } = {}): Promise<KeyPairDTO[]> {
    let q = this.db.kysely.selectFrom('key_pairs').selectAll().where('user_id', '=', userId).where('deleted', '=', 0);
    if (opts.marker !== undefined) {
      const marker = opts.marker;
      const m = await this.db.kysely.selectFrom('key_pairs').select('id').where('user_id', '=', userId).where('name', '=', marker).where('deleted', '=', 0).executeTakeFirst();
      if (!m) throw KeypairNotFound.of(marker, userId);
      q = q.where('name', '>', marker);
    }
    q = q.orderBy('name').orderBy('id');
    if (opts.limit !== undefined) q = q.limit(opts.limit);
    return (await q.execute()).map(toDTO);
  }

  async get(userId: string, name: string): Promise<KeyPairDTO> {
    const r = await this.db.kysely.selectFrom('key_pairs').selectAll().where('user_id', '=', userId).where('name', '=', name).where('deleted', '=', 0).executeTakeFirst();
    if (!r) throw KeypairNotFound.of(name, userId);
    return toDTO(r);
  }

  async count(userId: string): Promise<number> {
    const r = await this.db.kysely
      .selectFrom('key_pairs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async create(k: { name: string; user_id: string; fingerprint: string; public_key: string; type: string }): Promise<KeyPairDTO> {
    const now = dbTime();
    try {
      await this.db.kysely
        .insertInto('key_pairs')
        .values({ ...k, created_at: now, updated_at: null })
        .execute();
    } catch (e) {
      if (isDuplicate(e)) throw KeyPairExists.of(k.name);
      throw e;
    }
    return this.get(k.user_id, k.name);
  }

  async destroy(userId: string, name: string): Promise<void> {
    const now = dbTime();
    const r = await this.db.kysely
      .updateTable('key_pairs')
      .set((eb) => ({ deleted: eb.ref('id'), deleted_at: now }))
      .where('user_id', '=', userId)
      .where('name', '=', name)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (affected(r) === 0) throw KeypairNotFound.of(name, userId);
  }
}
