/**
 * Role grants of a user on a project (/v3/projects/{p}/users/{u}/roles[/{r}]:
 * list, check, grant, revoke) and GET /v3/role_assignments (filters user.id,
 * scope.project.id, role.id; effective expands implied roles; include_names).
 * Admins only. Revoking a grant revokes the user's tokens on that project.
 */
import type { Assignment } from './db/roles.ts';
import { HttpError, notFound } from './errors.ts';
import { enforce } from './policy.ts';
import { type IdentityDeps, type IdentityRoute, noContent, ok, queryFlag, queryOne, route } from './types.ts';
import { collection } from './views/common.ts';
import { roleView } from './views/resources.ts';

/** An assignment row of the listing, before rendering. */
interface Row extends Assignment {
  /** The role this one is implied by (effective listings). */
  prior?: string;
}

/** The project, user and (on a grant's path) role a request names; 404 for any that does not exist. */
async function target(deps: IdentityDeps, params: { readonly project_id: string; readonly user_id: string; readonly role_id?: string }): Promise<Assignment> {
  const { project_id: p, user_id: u, role_id: r } = params;
  if (!(await deps.db.projects.get(p))) throw notFound('project', p);
  if (!(await deps.db.users.get(u))) throw notFound('user', u);
  if (r !== undefined && !(await deps.db.roles.get(r))) throw notFound('role', r);
  return { project_id: p, user_id: u, role_id: r ?? '' };
}

const missing = (a: Assignment) =>
  new HttpError(404, `Could not find role assignment with role: ${a.role_id}, user or group: ${a.user_id}, project, domain, or system: ${a.project_id}.`);

/** Implied roles added after each direct assignment, as `effective` listings show them. */
async function expandImplied(deps: IdentityDeps, rows: Row[]): Promise<Row[]> {
  const out: Row[] = [];
  for (const a of rows) {
    out.push(a);
    for (const implied of await deps.db.roles.expand([a.role_id])) {
      if (implied !== a.role_id) out.push({ ...a, role_id: implied, prior: a.role_id });
    }
  }
  return out;
}

async function render(deps: IdentityDeps, base: string, rows: Row[], names: boolean): Promise<Record<string, unknown>[]> {
  const roles = new Map((await deps.db.roles.list()).map((r) => [r.id, r]));
  const domains = new Map((await deps.db.domains.list()).map((d) => [d.id, d]));
  const users = new Map((await deps.db.users.list()).map((u) => [u.id, u]));
  const projects = new Map((await deps.db.projects.list()).map((p) => [p.id, p]));
  const domainRef = (id: string) => ({ id, name: domains.get(id)?.name ?? '' });
  return rows.map((a) => {
    const user = users.get(a.user_id);
    const project = projects.get(a.project_id);
    const assignment = `${base}/v3/projects/${a.project_id}/users/${a.user_id}/roles/${a.prior ?? a.role_id}`;
    return {
      scope: { project: names && project ? { id: project.id, name: project.name, domain: domainRef(project.domain_id) } : { id: a.project_id } },
      role: names ? { id: a.role_id, name: roles.get(a.role_id)?.name ?? '' } : { id: a.role_id },
      user: names && user ? { id: user.id, name: user.name, domain: domainRef(user.domain_id) } : { id: a.user_id },
      links: a.prior ? { assignment, prior_role: `${base}/v3/roles/${a.prior}` } : { assignment },
    };
  });
}

/** The routes of project grants and /v3/role_assignments. */
export function roleAssignmentRoutes(deps: IdentityDeps): IdentityRoute[] {
  const { db } = deps;
  const grant = '/v3/projects/:project_id/users/:user_id/roles/:role_id';
  return [
    route({
      method: 'GET',
      path: '/v3/projects/:project_id/users/:user_id/roles',
      async handler(req) {
        enforce(req, 'list_grants');
        const t = await target(deps, req.params);
        const ids = (await db.assignments.list({ user_id: t.user_id, project_id: t.project_id })).map((a) => a.role_id);
        const roles = await db.roles.list({ ids });
        return ok(
          collection(
            req.baseUrl,
            `projects/${t.project_id}/users/${t.user_id}/roles`,
            'roles',
            roles.map((r) => roleView(r, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'GET',
      path: grant,
      async handler(req) {
        enforce(req, 'check_grant');
        const a = await target(deps, req.params);
        if (!(await db.assignments.exists(a))) throw missing(a);
        return noContent();
      },
    }),
    route({
      method: 'PUT',
      path: grant,
      async handler(req) {
        enforce(req, 'create_grant');
        await db.assignments.add(await target(deps, req.params));
        return noContent();
      },
    }),
    route({
      method: 'DELETE',
      path: grant,
      async handler(req) {
        enforce(req, 'revoke_grant');
        const a = await target(deps, req.params);
        if (!(await db.assignments.exists(a))) throw missing(a);
        await db.assignments.remove(a);
        await db.tokens.revokeFor({ user_id: a.user_id, project_id: a.project_id });
        return noContent();
      },
    }),
    route({
      method: 'GET',
      path: '/v3/role_assignments',
      async handler(req) {
        enforce(req, 'list_role_assignments');
        const q = req.query;
        const onlyOther = ['group.id', 'scope.domain.id', 'scope.system', 'scope.OS-INHERIT:inherited_to'].some((k) => q[k] !== undefined);
        let rows: Row[] = onlyOther ? [] : await db.assignments.list({ user_id: queryOne(q['user.id']), project_id: queryOne(q['scope.project.id']) });
        if (queryFlag(q.effective)) rows = await expandImplied(deps, rows);
        const role = queryOne(q['role.id']);
        if (role !== undefined) rows = rows.filter((a) => a.role_id === role);
        const items = await render(deps, req.baseUrl, rows, queryFlag(q.include_names) === true);
        return ok(collection(req.baseUrl, 'role_assignments', 'role_assignments', items));
      },
    }),
  ];
}
