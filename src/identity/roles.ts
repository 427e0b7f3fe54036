/**
 * /v3/roles: list (filter name), create, show, update (PATCH), delete; the
 * implied roles (GET /v3/role_inferences, GET and PUT
 * /v3/roles/{prior}/implies[/{implied}]). Admins only.
 */
import type { Role } from './db/roles.ts';
import { definedOnly, isDuplicate } from './db/util.ts';
import { badRequest, conflict, notFound } from './errors.ts';
import { enforce } from './policy.ts';
import { roleCreate, roleUpdate } from './schemas/resources.ts';
import { validateBody } from './schemas/validate.ts';
import { created, type IdentityDeps, type IdentityRoute, noContent, ok, queryOne, route } from './types.ts';
import { collection, selfLinks } from './views/common.ts';
import { roleView } from './views/resources.ts';

const duplicate = (name: string) => conflict('role', `Duplicate entry found with name ${name}`);

async function find(deps: IdentityDeps, id: string): Promise<Role> {
  const r = await deps.db.roles.get(id);
  if (!r) throw notFound('role', id);
  return r;
}

async function storing<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isDuplicate(e)) throw duplicate(name);
    throw e;
  }
}

/** A role as an implied-role rule names it. */
const brief = (r: Role, base: string) => ({ id: r.id, name: r.name, links: selfLinks(base, `roles/${r.id}`) });

/** The routes of /v3/roles and /v3/role_inferences. */
export function roleRoutes(deps: IdentityDeps): IdentityRoute[] {
  const { db } = deps;
  const inferences = async (base: string, prior?: string) => {
    const rules = (await db.roles.implications()).filter((r) => prior === undefined || r.prior_role_id === prior);
    const roles = new Map((await db.roles.list()).map((r) => [r.id, r]));
    const priors = [...new Set(rules.map((r) => r.prior_role_id))];
    return priors.flatMap((p) => {
      const role = roles.get(p);
      if (!role) return [];
      const implies = rules
        .filter((r) => r.prior_role_id === p)
        .flatMap((r) => {
          const implied = roles.get(r.implied_role_id);
          return implied ? [brief(implied, base)] : [];
        });
      return [{ prior_role: brief(role, base), implies }];
    });
  };
  return [
    route({
      method: 'GET',
      path: '/v3/roles',
      async handler(req) {
        enforce(req, 'list_roles');
        const domain = queryOne(req.query.domain_id);
        const roles = domain ? [] : await db.roles.list({ name: queryOne(req.query.name) });
        return ok(
          collection(
            req.baseUrl,
            'roles',
            'roles',
            roles.map((r) => roleView(r, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'POST',
      path: '/v3/roles',
      async handler(req) {
        enforce(req, 'create_role');
        const body = validateBody(roleCreate, req.body).role;
        if (await db.roles.byName(body.name)) throw duplicate(body.name);
        const role = await storing(body.name, () => db.roles.create({ name: body.name, description: body.description ?? null }));
        return created({ role: roleView(role, req.baseUrl) });
      },
    }),
    route({
      method: 'GET',
      path: '/v3/roles/:role_id',
      async handler(req) {
        enforce(req, 'get_role');
        return ok({ role: roleView(await find(deps, req.params.role_id), req.baseUrl) });
      },
    }),
    route({
      method: 'PATCH',
      path: '/v3/roles/:role_id',
      async handler(req) {
        enforce(req, 'update_role');
        const role = await find(deps, req.params.role_id);
        const body = validateBody(roleUpdate, req.body).role;
        if (body.name !== undefined && body.name !== role.name && (await db.roles.byName(body.name))) throw duplicate(body.name);
        await storing(body.name ?? role.name, () => db.roles.update(role.id, definedOnly({ name: body.name, description: body.description })));
        return ok({ role: roleView(await find(deps, role.id), req.baseUrl) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/roles/:role_id',
      async handler(req) {
        enforce(req, 'delete_role');
        const role = await find(deps, req.params.role_id);
        for (const a of await db.assignments.list({ role_id: role.id })) await db.tokens.revokeFor({ user_id: a.user_id, project_id: a.project_id });
        await db.roles.delete(role.id);
        return noContent();
      },
    }),
    route({
      method: 'GET',
      path: '/v3/role_inferences',
      async handler(req) {
        enforce(req, 'list_role_inference_rules');
        return ok(collection(req.baseUrl, 'role_inferences', 'role_inferences', await inferences(req.baseUrl)));
      },
    }),
    route({
      method: 'GET',
      path: '/v3/roles/:role_id/implies',
      async handler(req) {
        enforce(req, 'list_implied_roles');
        const role = await find(deps, req.params.role_id);
        const [rule] = await inferences(req.baseUrl, role.id);
        return ok({ role_inference: rule ?? { prior_role: brief(role, req.baseUrl), implies: [] }, links: selfLinks(req.baseUrl, `roles/${role.id}/implies`) });
      },
    }),
    route({
      method: 'PUT',
      path: '/v3/roles/:role_id/implies/:implied_id',
      async handler(req) {
        enforce(req, 'create_implied_role');
        const prior = await find(deps, req.params.role_id);
        const implied = await find(deps, req.params.implied_id);
        if ((await db.roles.expand([implied.id])).includes(prior.id)) throw badRequest(`Role ${prior.id} implying ${implied.id} would create a cycle of implied roles.`);
        await db.roles.addImplied(prior.id, implied.id);
        const links = selfLinks(req.baseUrl, `roles/${prior.id}/implies/${implied.id}`);
        return created({ role_inference: { prior_role: brief(prior, req.baseUrl), implies: brief(implied, req.baseUrl) }, links });
      },
    }),
  ];
}
