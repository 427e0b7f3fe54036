/**
 * /v3/projects: list (filters name, domain_id, enabled, parent_id), create,
 * show, update (PATCH), delete. Admins only, except that a user may read the
 * project its token is scoped to.
 */
import type { Project } from './db/projects.ts';
import { definedOnly, isDuplicate } from './db/util.ts';
import { badRequest, duplicateName, HttpError, notFound } from './errors.ts';
import { enforce } from './policy.ts';
import { projectCreate, projectUpdate } from './schemas/resources.ts';
import { validateBody } from './schemas/validate.ts';
import { created, type IdentityDeps, type IdentityRoute, noContent, ok, queryFlag, queryOne, route } from './types.ts';
import { collection } from './views/common.ts';
import { projectView } from './views/resources.ts';

/** The default domain of created resources, as Keystone's [identity] default_domain_id. */
export const DEFAULT_DOMAIN_ID = 'default';

async function find(deps: IdentityDeps, id: string): Promise<Project> {
  const p = await deps.db.projects.get(id);
  if (!p) throw notFound('project', id);
  return p;
}

/** Run a write; a unique-key failure is Keystone's 409 for a duplicate name. */
async function storing<T>(name: string, domainId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isDuplicate(e)) throw duplicateName('project', name, domainId);
    throw e;
  }
}

/** The routes of /v3/projects. */
export function projectRoutes(deps: IdentityDeps): IdentityRoute[] {
  const { db } = deps;
  return [
    route({
      method: 'GET',
      path: '/v3/projects',
      async handler(req) {
        enforce(req, 'list_projects');
        if (queryFlag(req.query.is_domain) === true) return ok(collection(req.baseUrl, 'projects', 'projects', []));
        const parent = queryOne(req.query.parent_id);
        let projects = await db.projects.list({ name: queryOne(req.query.name), domain_id: queryOne(req.query.domain_id), enabled: queryFlag(req.query.enabled) });
        if (parent !== undefined) projects = projects.filter((p) => (p.parent_id ?? p.domain_id) === parent);
        return ok(
          collection(
            req.baseUrl,
            'projects',
            'projects',
            projects.map((p) => projectView(p, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'POST',
      path: '/v3/projects',
      async handler(req) {
        enforce(req, 'create_project');
        const body = validateBody(projectCreate, req.body).project;
        if (body.is_domain) throw badRequest('Projects acting as domains are not supported.');
        const domainId = body.domain_id ?? DEFAULT_DOMAIN_ID;
        if (!(await db.domains.get(domainId))) throw notFound('domain', domainId);
        let parentId: string | null = null;
        if (body.parent_id && body.parent_id !== domainId) {
          const parent = await find(deps, body.parent_id);
          if (parent.domain_id !== domainId) throw badRequest(`Cannot create project, the parent (${parent.id}) is in a different domain (${parent.domain_id}).`);
          parentId = parent.id;
        }
        if (await db.projects.byName(body.name, domainId)) throw duplicateName('project', body.name, domainId);
        const project = await storing(body.name, domainId, () =>
          db.projects.create({
            name: body.name,
            domain_id: domainId,
            description: body.description ?? '',
            enabled: body.enabled ?? true,
            parent_id: parentId,
            tags: body.tags ?? [],
          }),
        );
        return created({ project: projectView(project, req.baseUrl) });
      },
    }),
    route({
      method: 'GET',
      path: '/v3/projects/:project_id',
      async handler(req) {
        const id = req.params.project_id;
        enforce(req, 'get_project', (caller) => caller.project?.id === id);
        return ok({ project: projectView(await find(deps, id), req.baseUrl) });
      },
    }),
    route({
      method: 'PATCH',
      path: '/v3/projects/:project_id',
      async handler(req) {
        enforce(req, 'update_project');
        const project = await find(deps, req.params.project_id);
        const body = validateBody(projectUpdate, req.body).project;
        if (body.domain_id !== undefined && body.domain_id !== project.domain_id) throw badRequest('Update of `domain_id` is not allowed.');
        if (body.name !== undefined && body.name !== project.name && (await db.projects.byName(body.name, project.domain_id))) {
          throw duplicateName('project', body.name, project.domain_id);
        }
        const changes = definedOnly({ name: body.name, description: body.description, enabled: body.enabled, tags: body.tags });
        await storing(body.name ?? project.name, project.domain_id, () => db.projects.update(project.id, changes));
        return ok({ project: projectView(await find(deps, project.id), req.baseUrl) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/projects/:project_id',
      async handler(req) {
        enforce(req, 'delete_project');
        const project = await find(deps, req.params.project_id);
        if (await db.projects.hasChildren(project.id)) {
          throw new HttpError(
            403,
            `Cannot delete the project ${project.id} since it is not a leaf in the hierarchy. Use the cascade option if you want to delete a whole subtree.`,
          );
        }
        await db.assignments.removeFor({ project_id: project.id });
        await db.tokens.revokeFor({ project_id: project.id });
        await db.users.clearDefaultProject(project.id);
        await db.projects.delete(project.id);
        return noContent();
      },
    }),
  ];
}
