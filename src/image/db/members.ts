import type { Kysely, Selectable } from 'kysely';
import { affected, type Db, isDuplicate } from '../../db/api/common.ts';
import { dbTime } from '../../db/time.ts';
import { expectOneOf } from '../../util/one-of.ts';
import { MEMBER_STATUSES, type MemberDTO, type MemberStatus } from '../types.ts';
import { type ImageDatabase, type ImageMembersTable, imageKysely } from './schema.ts';

const toDTO = (r: Selectable<ImageMembersTable>): MemberDTO => ({
  image_id: r.image_id,
  member: r.member,
  // Stored as a string; only these values are ever written.
  status: expectOneOf(MEMBER_STATUSES, r.status, `status of member ${r.member} of image ${r.image_id}`),
  created_at: r.created_at,
  updated_at: r.updated_at,
});

/** image_members: the projects a `shared` image is shared with. */
export class MemberRepository {
  private readonly k: Kysely<ImageDatabase>;

  constructor(db: Db) {
    this.k = imageKysely(db);
  }

  async list(imageId: string): Promise<MemberDTO[]> {
    return (await this.k.selectFrom('image_members').selectAll().where('image_id', '=', imageId).orderBy('id').execute()).map(toDTO);
  }

  async get(imageId: string, member: string): Promise<MemberDTO | null> {
    const r = await this.k.selectFrom('image_members').selectAll().where('image_id', '=', imageId).where('member', '=', member).executeTakeFirst();
    return r ? toDTO(r) : null;
  }

  /** Add a pending membership; null when the member is already there. */
  async add(imageId: string, member: string): Promise<MemberDTO | null> {
    const now = dbTime();
    try {
      await this.k.insertInto('image_members').values({ image_id: imageId, member, status: 'pending', created_at: now, updated_at: now }).execute();
    } catch (e) {
      if (isDuplicate(e)) return null;
      throw e;
    }
    return this.get(imageId, member);
  }

  async setStatus(imageId: string, member: string, status: MemberStatus): Promise<MemberDTO | null> {
    const r = await this.k.updateTable('image_members').set({ status, updated_at: dbTime() }).where('image_id', '=', imageId).where('member', '=', member).executeTakeFirst();
    return affected(r) > 0 ? this.get(imageId, member) : null;
  }

  async remove(imageId: string, member: string): Promise<boolean> {
    return affected(await this.k.deleteFrom('image_members').where('image_id', '=', imageId).where('member', '=', member).executeTakeFirst()) > 0;
  }

  async count(imageId: string): Promise<number> {
    const r = await this.k
      .selectFrom('image_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('image_id', '=', imageId)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
