import type { Selectable } from 'kysely';
import { dbTime } from '../../db/time.ts';
import { isStringArray } from '../../util/json-value.ts';
import type { DomainsTable, IdentityKysely, ProjectsTable } from './tables.ts';
import { bit, enabledBit, newId, parseJson } from './util.ts';

/** A domain (only what this service keeps of Keystone's). */
export interface Domain {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
}

/** A project. */
export interface Project {
  id: string;
  name: string;
  domain_id: string;
  description: string | null;
  enabled: boolean;
  parent_id: string | null;
  tags: string[];
}

/** Filters of a project listing (all optional, combined with AND). */
export interface ProjectFilter {
  name?: string;
  domain_id?: string;
  enabled?: boolean;
  parent_id?: string;
  /** Only these ids. */
  ids?: readonly string[];
}

const toDomain = (r: Selectable<DomainsTable>): Domain => ({ id: r.id, name: r.name, description: r.description, enabled: Boolean(r.enabled) });
const toProject = (r: Selectable<ProjectsTable>): Project => ({
  id: r.id,
  name: r.name,
  domain_id: r.domain_id,
  description: r.description,
  enabled: Boolean(r.enabled),
  parent_id: r.parent_id,
  tags: parseJson<string[]>(r.tags, [], isStringArray),
});

/** Domains. */
export class DomainRepository {
  constructor(private readonly k: IdentityKysely) {}

  async get(id: string): Promise<Domain | undefined> {
    const r = await this.k.selectFrom('identity_domains').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toDomain(r);
  }

  async byName(name: string): Promise<Domain | undefined> {
    const r = await this.k.selectFrom('identity_domains').selectAll().where('name', '=', name).executeTakeFirst();
    return r && toDomain(r);
  }

  async list(filter: { name?: string; enabled?: boolean } = {}): Promise<Domain[]> {
    let q = this.k.selectFrom('identity_domains').selectAll().orderBy('name');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.enabled !== undefined) q = q.where('enabled', '=', filter.enabled ? 1 : 0);
    return (await q.execute()).map(toDomain);
  }

  async create(d: { id?: string; name: string; description?: string | null; enabled?: boolean }): Promise<Domain> {
    const domain: Domain = { id: d.id ?? newId(), name: d.name, description: d.description ?? null, enabled: d.enabled ?? true };
    await this.k
      .insertInto('identity_domains')
      .values({ ...domain, enabled: bit(domain.enabled), created_at: dbTime() })
      .execute();
    return domain;
  }

  async update(id: string, changes: Partial<Pick<Domain, 'name' | 'description' | 'enabled'>>): Promise<void> {
    if (Object.keys(changes).length) await this.k.updateTable('identity_domains').set(enabledBit(changes)).where('id', '=', id).execute();
  }
}

/** Projects. */
export class ProjectRepository {
  constructor(private readonly k: IdentityKysely) {}

  async get(id: string): Promise<Project | undefined> {
    const r = await this.k.selectFrom('identity_projects').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toProject(r);
  }

  async byName(name: string, domainId: string): Promise<Project | undefined> {
    const r = await this.k.selectFrom('identity_projects').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();
    return r && toProject(r);
  }

  async list(f: ProjectFilter = {}): Promise<Project[]> {
    if (f.ids && f.ids.length === 0) return [];
    let q = this.k.selectFrom('identity_projects').selectAll().orderBy('name');
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    if (f.domain_id !== undefined) q = q.where('domain_id', '=', f.domain_id);
    if (f.parent_id !== undefined) q = q.where('parent_id', '=', f.parent_id);
    if (f.enabled !== undefined) q = q.where('enabled', '=', f.enabled ? 1 : 0);
    if (f.ids) q = q.where('id', 'in', [...f.ids]);
    return (await q.execute()).map(toProject);
  }

  async create(p: Omit<Project, 'id'> & { id?: string }): Promise<Project> {
    const project: Project = { ...p, id: p.id ?? newId() };
    await this.k
      .insertInto('identity_projects')
      .values({ ...project, enabled: bit(project.enabled), tags: JSON.stringify(project.tags), created_at: dbTime() })
      .execute();
    return project;
  }

  async update(id: string, changes: Partial<Pick<Project, 'name' | 'description' | 'enabled' | 'tags'>>): Promise<void> {
    const { tags, ...rest } = changes;
    const set = { ...enabledBit(rest), ...(tags ? { tags: JSON.stringify(tags) } : {}) };
    if (Object.keys(set).length) await this.k.updateTable('identity_projects').set(set).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.k.deleteFrom('identity_projects').where('id', '=', id).execute();
  }

  async hasChildren(id: string): Promise<boolean> {
    return (await this.k.selectFrom('identity_projects').select('id').where('parent_id', '=', id).executeTakeFirst()) !== undefined;
  }
}
