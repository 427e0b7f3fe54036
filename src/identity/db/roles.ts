import type { Selectable } from 'kysely';
import { dbTime } from '../../db/time.ts';
import { type IdentityKysely, NULL_DOMAIN_ID, type RolesTable } from './tables.ts';
import { newId } from './util.ts';

/** A role. domain_id is null for global roles (all roles here). */
export interface Role {
  id: string;
  name: string;
  domain_id: string | null;
  description: string | null;
}

/** One row of role assignments: user has role on project. */
export interface Assignment {
  user_id: string;
  project_id: string;
  role_id: string;
}

const toRole = (r: Selectable<RolesTable>): Role => ({ id: r.id, name: r.name, domain_id: r.domain_id === NULL_DOMAIN_ID ? null : r.domain_id, description: r.description });

/** Roles and the implied-role rules between them. */
export class RoleRepository {
  constructor(private readonly k: IdentityKysely) {}

  async get(id: string): Promise<Role | undefined> {
    const r = await this.k.selectFrom('identity_roles').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toRole(r);
  }

  async byName(name: string): Promise<Role | undefined> {
    const r = await this.k.selectFrom('identity_roles').selectAll().where('name', '=', name).where('domain_id', '=', NULL_DOMAIN_ID).executeTakeFirst();
    return r && toRole(r);
  }

  async list(f: { name?: string; ids?: readonly string[] } = {}): Promise<Role[]> {
    if (f.ids && f.ids.length === 0) return [];
    let q = this.k.selectFrom('identity_roles').selectAll().orderBy('name');
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.ids) q = q.where('id', 'in', [...f.ids]);
    return (await q.execute()).map(toRole);
  }

  async create(r: { id?: string; name: string; description?: string | null }): Promise<Role> {
    const role: Role = { id: r.id ?? newId(), name: r.name, domain_id: null, description: r.description ?? null };
    await this.k.insertInto('identity_roles').values({ id: role.id, name: role.name, description: role.description, created_at: dbTime() }).execute();
    return role;
  }

  async update(id: string, changes: Partial<Pick<Role, 'name' | 'description'>>): Promise<void> {
    if (Object.keys(changes).length) await this.k.updateTable('identity_roles').set(changes).where('id', '=', id).execute();
  }

  /** Delete a role with its assignments and implication rules. */
  async delete(id: string): Promise<void> {
    await this.k.transaction().execute(async (t) => {
      await t.deleteFrom('identity_assignments').where('role_id', '=', id).execute();
      await t
        .deleteFrom('identity_implied_roles')
        .where((eb) => eb.or([eb('prior_role_id', '=', id), eb('implied_role_id', '=', id)]))
        .execute();
      await t.deleteFrom('identity_roles').where('id', '=', id).execute();
    });
  }

  /** Make `prior` imply `implied` (idempotent). */
  async addImplied(prior: string, implied: string): Promise<void> {
    const exists = await this.k
      .selectFrom('identity_implied_roles')
      .select('prior_role_id')
      .where('prior_role_id', '=', prior)
      .where('implied_role_id', '=', implied)
      .executeTakeFirst();
    if (!exists) await this.k.insertInto('identity_implied_roles').values({ prior_role_id: prior, implied_role_id: implied }).execute();
  }

  async implications(): Promise<{ prior_role_id: string; implied_role_id: string }[]> {
    return this.k.selectFrom('identity_implied_roles').selectAll().execute();
  }

  /** The role ids plus every role they imply, transitively (Keystone's effective roles). */
  async expand(roleIds: readonly string[]): Promise<string[]> {
    const rules = await this.implications();
    const out = new Set(roleIds);
    const queue = [...roleIds];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const r of rules) {
        if (r.prior_role_id === id && !out.has(r.implied_role_id)) {
          out.add(r.implied_role_id);
          queue.push(r.implied_role_id);
        }
      }
    }
    return [...out];
  }
}

/** User-on-project role assignments. */
export class AssignmentRepository {
  constructor(private readonly k: IdentityKysely) {}

  async list(f: { user_id?: string; project_id?: string; role_id?: string } = {}): Promise<Assignment[]> {
    let q = this.k.selectFrom('identity_assignments').selectAll().orderBy('actor_id').orderBy('target_id').orderBy('role_id');
    if (f.user_id !== undefined) q = q.where('actor_id', '=', f.user_id);
    if (f.project_id !== undefined) q = q.where('target_id', '=', f.project_id);
    if (f.role_id !== undefined) q = q.where('role_id', '=', f.role_id);
    return (await q.execute()).map((r) => ({ user_id: r.actor_id, project_id: r.target_id, role_id: r.role_id }));
  }

  async exists(a: Assignment): Promise<boolean> {
    const r = await this.k
      .selectFrom('identity_assignments')
      .select('role_id')
      .where('actor_id', '=', a.user_id)
      .where('target_id', '=', a.project_id)
      .where('role_id', '=', a.role_id)
      .executeTakeFirst();
    return r !== undefined;
  }

  /** Grant (idempotent). */
  async add(a: Assignment): Promise<void> {
    if (!(await this.exists(a))) await this.k.insertInto('identity_assignments').values({ actor_id: a.user_id, target_id: a.project_id, role_id: a.role_id }).execute();
  }

  async remove(a: Assignment): Promise<void> {
    await this.k.deleteFrom('identity_assignments').where('actor_id', '=', a.user_id).where('target_id', '=', a.project_id).where('role_id', '=', a.role_id).execute();
  }

  async removeFor(f: { user_id?: string; project_id?: string }): Promise<void> {
    let q = this.k.deleteFrom('identity_assignments');
    if (f.user_id !== undefined) q = q.where('actor_id', '=', f.user_id);
    if (f.project_id !== undefined) q = q.where('target_id', '=', f.project_id);
    await q.execute();
  }
}
