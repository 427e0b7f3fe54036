import type { Selectable } from 'kysely';
import { dbTime } from '../../db/time.ts';
import { isPlainObject } from '../../util/json-value.ts';
import type { IdentityKysely, UsersTable } from './tables.ts';
import { bit, enabledBit, newId, parseJson } from './util.ts';

/** A user, without its password hash. */
export interface User {
  id: string;
  name: string;
  domain_id: string;
  enabled: boolean;
  default_project_id: string | null;
  /** Extra attributes given at create/update (email, description…), rendered as top-level keys. */
  extra: Record<string, unknown>;
}

/** Filters of a user listing (all optional, combined with AND). */
export interface UserFilter {
  name?: string;
  domain_id?: string;
  enabled?: boolean;
}

const toUser = (r: Omit<Selectable<UsersTable>, 'password_hash'>): User => ({
  id: r.id,
  name: r.name,
  domain_id: r.domain_id,
  enabled: Boolean(r.enabled),
  default_project_id: r.default_project_id,
  extra: parseJson<Record<string, unknown>>(r.extra, {}, isPlainObject),
});

const COLUMNS = ['id', 'name', 'domain_id', 'enabled', 'default_project_id', 'extra', 'created_at'] as const;

/** Users. The password hash is read only by {@link UserRepository.passwordHash}. */
export class UserRepository {
  constructor(private readonly k: IdentityKysely) {}

  async get(id: string): Promise<User | undefined> {
    const r = await this.k.selectFrom('identity_users').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  async byName(name: string, domainId: string): Promise<User | undefined> {
    const r = await this.k.selectFrom('identity_users').select(COLUMNS).where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
    return r && toUser(r);
  }

  async list(f: UserFilter = {}): Promise<User[]> {
    let q = this.k.selectFrom('identity_users').select(COLUMNS).orderBy('name');
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.domain_id !== undefined) q = q.where('domain_id', '=', f.domain_id);
    if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled ? 1 : 0);
    return (await q.execute()).map(toUser);
  }

  async passwordHash(id: string): Promise<string | null> {
    const r = await this.k.selectFrom('identity_users').select('password_hash').where('id', '=', id).executeTakeFirst();
    return r?.password_hash ?? null;
  }

  async create(u: Omit<User, 'id'> & { id?: string; password_hash: string | null }): Promise<User> {
    const user: User = { id: u.id ?? newId(), name: u.name, domain_id: u.domain_id, enabled: u.enabled, default_project_id: u.default_project_id, extra: u.extra };
    await this.k
      .insertInto('identity_users')
      .values({ ...user, enabled: bit(user.enabled), extra: JSON.stringify(user.extra), password_hash: u.password_hash, created_at: dbTime() })
      .execute();
    return user;
  }

  async update(id: string, changes: Partial<Pick<User, 'name' | 'enabled' | 'default_project_id' | 'extra'>> & { password_hash?: string | null }): Promise<void> {
    const { extra, ...rest } = changes;
    const set = { ...enabledBit(rest), ...(extra ? { extra: JSON.stringify(extra) } : {}) };
    if (Object.keys(set).length) await this.k.updateTable('identity_users').set(set).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.k.deleteFrom('identity_users').where('id', '=', id).execute();
  }

  /** Clear default_project_id of users whose default project is deleted. */
  async clearDefaultProject(projectId: string): Promise<void> {
    await this.k.updateTable('identity_users').set({ default_project_id: null }).where('default_project_id', '=', projectId).execute();
  }
}
