/**
 * /v3/users: list (filters name, domain_id, enabled), create, show, update
 * (PATCH), delete; a user's projects and groups; password change by the
 * user itself (POST /v3/users/{id}/password, with the original password).
 * Passwords are hashed with scrypt and never returned.
 */
import type { User } from './db/users.ts';
import { definedOnly, isDuplicate } from './db/util.ts';
import { badRequest, duplicateName, notFound, unauthorized } from './errors.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { enforce } from './policy.ts';
import { DEFAULT_DOMAIN_ID } from './projects.ts';
import { passwordChange, userCreate, userUpdate } from './schemas/resources.ts';
import { validateBody } from './schemas/validate.ts';
import { created, type IdentityDeps, type IdentityRoute, noContent, ok, queryFlag, queryOne, route } from './types.ts';
import { collection } from './views/common.ts';
import { projectView, userView } from './views/resources.ts';

/** Body keys that are columns (or secrets), not extra attributes. */
const NOT_EXTRA = new Set(['id', 'name', 'domain_id', 'default_project_id', 'password', 'original_password', 'enabled', 'links', 'options', 'password_expires_at']);

function extrasOf(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([k]) => !NOT_EXTRA.has(k)));
}

async function find(deps: IdentityDeps, id: string): Promise<User> {
  const u = await deps.db.users.get(id);
  if (!u) throw notFound('user', id);
  return u;
}

async function checkProject(deps: IdentityDeps, id: string | null | undefined): Promise<void> {
  if (id && !(await deps.db.projects.get(id))) throw notFound('project', id);
}

async function storing<T>(name: string, domainId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isDuplicate(e)) throw duplicateName('user', name, domainId);
    throw e;
  }
}

/** The routes of /v3/users. */
export function userRoutes(deps: IdentityDeps): IdentityRoute[] {
  const { db } = deps;
  const self = (id: string) => (caller: { user: { id: string } }) => caller.user.id === id;
  return [
    route({
      method: 'GET',
      path: '/v3/users',
      async handler(req) {
        enforce(req, 'list_users');
        const users = await db.users.list({ name: queryOne(req.query.name), domain_id: queryOne(req.query.domain_id), enabled: queryFlag(req.query.enabled) });
        return ok(
          collection(
            req.baseUrl,
            'users',
            'users',
            users.map((u) => userView(u, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'POST',
      path: '/v3/users',
      async handler(req) {
        enforce(req, 'create_user');
        const body = validateBody(userCreate, req.body).user;
        const domainId = body.domain_id ?? DEFAULT_DOMAIN_ID;
        if (!(await db.domains.get(domainId))) throw notFound('domain', domainId);
        await checkProject(deps, body.default_project_id);
        if (await db.users.byName(body.name, domainId)) throw duplicateName('user', body.name, domainId);
        const passwordHash = typeof body.password === 'string' ? await hashPassword(body.password) : null;
        const user = await storing(body.name, domainId, () =>
          db.users.create({
            name: body.name,
            domain_id: domainId,
            enabled: body.enabled ?? true,
            default_project_id: body.default_project_id ?? null,
            extra: extrasOf(body),
            password_hash: passwordHash,
          }),
        );
        return created({ user: userView(user, req.baseUrl) });
      },
    }),
    route({
      method: 'GET',
      path: '/v3/users/:user_id',
      async handler(req) {
        const id = req.params.user_id;
        enforce(req, 'get_user', self(id));
        return ok({ user: userView(await find(deps, id), req.baseUrl) });
      },
    }),
    route({
      method: 'PATCH',
      path: '/v3/users/:user_id',
      async handler(req) {
        enforce(req, 'update_user');
        const user = await find(deps, req.params.user_id);
        const body = validateBody(userUpdate, req.body).user;
        if (body.domain_id !== undefined && body.domain_id !== user.domain_id) throw badRequest('Update of `domain_id` is not allowed.');
        await checkProject(deps, body.default_project_id);
        if (body.name !== undefined && body.name !== user.name && (await db.users.byName(body.name, user.domain_id))) throw duplicateName('user', body.name, user.domain_id);
        const extra = extrasOf(body);
        const changes = definedOnly({
          name: body.name,
          enabled: body.enabled,
          default_project_id: body.default_project_id,
          extra: Object.keys(extra).length ? { ...user.extra, ...extra } : undefined,
          password_hash: body.password === undefined ? undefined : typeof body.password === 'string' ? await hashPassword(body.password) : null,
        });
        await storing(body.name ?? user.name, user.domain_id, () => db.users.update(user.id, changes));
        if (body.password !== undefined || body.enabled === false) await db.tokens.revokeFor({ user_id: user.id });
        return ok({ user: userView(await find(deps, user.id), req.baseUrl) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/users/:user_id',
      async handler(req) {
        enforce(req, 'delete_user');
        const user = await find(deps, req.params.user_id);
        await db.assignments.removeFor({ user_id: user.id });
        await db.tokens.revokeFor({ user_id: user.id });
        await db.users.delete(user.id);
        return noContent();
      },
    }),
    route({
      method: 'GET',
      path: '/v3/users/:user_id/projects',
      async handler(req) {
        const id = req.params.user_id;
        enforce(req, 'list_user_projects', self(id));
        await find(deps, id);
        const ids = [...new Set((await db.assignments.list({ user_id: id })).map((a) => a.project_id))];
        const projects = await db.projects.list({ ids, name: queryOne(req.query.name), enabled: queryFlag(req.query.enabled) });
        return ok(
          collection(
            req.baseUrl,
            `users/${id}/projects`,
            'projects',
            projects.map((p) => projectView(p, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'GET',
      path: '/v3/users/:user_id/groups',
      async handler(req) {
        const id = req.params.user_id;
        enforce(req, 'list_groups_for_user', self(id));
        await find(deps, id);
        return ok(collection(req.baseUrl, `users/${id}/groups`, 'groups', []));
      },
    }),
    route({
      method: 'POST',
      path: '/v3/users/:user_id/password',
      public: true,
      async handler(req) {
        const body = validateBody(passwordChange, req.body).user;
        const id = req.params.user_id;
        const user = await db.users.get(id);
        const matches = await verifyPassword(body.original_password, user ? await db.users.passwordHash(id) : null);
        if (!user || !matches || !user.enabled) throw unauthorized();
        await db.users.update(id, { password_hash: await hashPassword(body.password) });
        await db.tokens.revokeFor({ user_id: id });
        return noContent();
      },
    }),
  ];
}
