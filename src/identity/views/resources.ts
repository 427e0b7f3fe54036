/** Projects, users, roles and domains as Keystone renders them. */
import type { Domain, Project } from '../db/projects.ts';
import type { Role } from '../db/roles.ts';
import type { User } from '../db/users.ts';
import { selfLinks } from './common.ts';

/** A project; a top-level project's parent is its domain, as in Keystone. */
export function projectView(p: Project, base: string): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    domain_id: p.domain_id,
    description: p.description ?? '',
    enabled: p.enabled,
    parent_id: p.parent_id ?? p.domain_id,
    is_domain: false,
    tags: p.tags,
    options: {},
    links: selfLinks(base, `projects/${p.id}`),
  };
}

/** A user: never its password; extra attributes (email…) as top-level keys. */
export function userView(u: User, base: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...u.extra, id: u.id, name: u.name, domain_id: u.domain_id, enabled: u.enabled };
  if (u.default_project_id) body.default_project_id = u.default_project_id;
  Object.assign(body, { password_expires_at: null, options: {}, links: selfLinks(base, `users/${u.id}`) });
  return body;
}

/** A role. */
export function roleView(r: Role, base: string): Record<string, unknown> {
  return { id: r.id, name: r.name, domain_id: r.domain_id, description: r.description, options: {}, links: selfLinks(base, `roles/${r.id}`) };
}

/** A domain. */
export function domainView(d: Domain, base: string): Record<string, unknown> {
  return { id: d.id, name: d.name, description: d.description ?? '', enabled: d.enabled, tags: [], options: {}, links: selfLinks(base, `domains/${d.id}`) };
}
