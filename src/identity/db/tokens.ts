import { dbTime, parseDbTime } from '../../db/time.ts';
import { isPlainObject, isStringArray } from '../../util/json-value.ts';
import type { IdentityKysely } from './tables.ts';
import { parseJson } from './util.ts';

/** What a token stands for, as stored when it was issued. */
export interface TokenRecord {
  user_id: string;
  project_id: string | null;
  roles: { id: string; name: string }[];
  methods: string[];
  audit_ids: string[];
  issued_at: Date;
  expires_at: Date;
  revoked: boolean;
}

/** The roles of a stored token: {id, name} objects. */
const isRoleList = (v: unknown): v is TokenRecord['roles'] => Array.isArray(v) && v.every((r) => isPlainObject(r) && typeof r.id === 'string' && typeof r.name === 'string');

/** Tokens, by the sha256 of their id. */
export class TokenRepository {
  constructor(private readonly k: IdentityKysely) {}

  async insert(idHash: string, t: Omit<TokenRecord, 'revoked'>): Promise<void> {
    await this.k
      .insertInto('identity_tokens')
      .values({
        id_hash: idHash,
        user_id: t.user_id,
        project_id: t.project_id,
        roles: JSON.stringify(t.roles),
        methods: JSON.stringify(t.methods),
        audit_ids: JSON.stringify(t.audit_ids),
        issued_at: dbTime(t.issued_at),
        expires_at: dbTime(t.expires_at),
        revoked: 0,
      })
      .execute();
  }

  async get(idHash: string): Promise<TokenRecord | undefined> {
    const r = await this.k.selectFrom('identity_tokens').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    if (!r) return undefined;
    return {
      user_id: r.user_id,
      project_id: r.project_id,
      roles: parseJson(r.roles, [], isRoleList),
      methods: parseJson(r.methods, [], isStringArray),
      audit_ids: parseJson(r.audit_ids, [], isStringArray),
      issued_at: parseDbTime(r.issued_at),
      expires_at: parseDbTime(r.expires_at),
      revoked: Boolean(r.revoked),
    };
  }

  async revoke(idHash: string): Promise<void> {
    await this.k.updateTable('identity_tokens').set({ revoked: 1 }).where('id_hash', '=', idHash).execute();
  }

  /** Revoke every token of a user (optionally only those scoped to a project), as Keystone's revocation events do. */
  async revokeFor(f: { user_id?: string; project_id?: string }): Promise<void> {
    let q = this.k.updateTable('identity_tokens').set({ revoked: 1 });
    if (f.user_id !== undefined) q = q.where('user_id', '=', f.user_id);
    if (f.project_id !== undefined) q = q.where('project_id', '=', f.project_id);
    await q.execute();
  }

  /** Forget tokens that expired before `before`. Returns how many. */
  async purgeExpired(before: Date): Promise<number> {
    const r = await this.k.deleteFrom('identity_tokens').where('expires_at', '<', dbTime(before)).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
