/**
 * /v3/domains: list (filters name, enabled), show, create, update (PATCH).
 * Admins; a user may read the domain of its own user or project.
 */
import type { Domain } from './db/projects.ts';
import { definedOnly, isDuplicate } from './db/util.ts';
import { conflict, notFound } from './errors.ts';
import { enforce } from './policy.ts';
import { domainCreate, domainUpdate } from './schemas/resources.ts';
import { validateBody } from './schemas/validate.ts';
import { created, type IdentityDeps, type IdentityRoute, ok, queryFlag, queryOne, route } from './types.ts';
import { collection } from './views/common.ts';
import { domainView } from './views/resources.ts';

const duplicate = (name: string) => conflict('domain', `Duplicate entry found with name ${name}`);

async function find(deps: IdentityDeps, id: string): Promise<Domain> {
  const d = await deps.db.domains.get(id);
  if (!d) throw notFound('domain', id);
  return d;
}

async function storing<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isDuplicate(e)) throw duplicate(name);
    throw e;
  }
}

/** The routes of /v3/domains. */
export function domainRoutes(deps: IdentityDeps): IdentityRoute[] {
  const { db } = deps;
  return [
    route({
      method: 'GET',
      path: '/v3/domains',
      async handler(req) {
        enforce(req, 'list_domains');
        const domains = await db.domains.list({ name: queryOne(req.query.name), enabled: queryFlag(req.query.enabled) });
        return ok(
          collection(
            req.baseUrl,
            'domains',
            'domains',
            domains.map((d) => domainView(d, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'GET',
      path: '/v3/domains/:domain_id',
      async handler(req) {
        const id = req.params.domain_id;
        enforce(req, 'get_domain', (caller) => caller.user.domain_id === id || caller.project?.domain_id === id);
        return ok({ domain: domainView(await find(deps, id), req.baseUrl) });
      },
    }),
    route({
      method: 'POST',
      path: '/v3/domains',
      async handler(req) {
        enforce(req, 'create_domain');
        const body = validateBody(domainCreate, req.body).domain;
        if (await db.domains.byName(body.name)) throw duplicate(body.name);
        if (body.explicit_domain_id && (await db.domains.get(body.explicit_domain_id))) throw conflict('domain', `Duplicate ID, ${body.explicit_domain_id}`);
        const domain = await storing(body.name, () =>
          db.domains.create({ id: body.explicit_domain_id, name: body.name, description: body.description ?? '', enabled: body.enabled ?? true }),
        );
        return created({ domain: domainView(domain, req.baseUrl) });
      },
    }),
    route({
      method: 'PATCH',
      path: '/v3/domains/:domain_id',
      async handler(req) {
        enforce(req, 'update_domain');
        const domain = await find(deps, req.params.domain_id);
        const body = validateBody(domainUpdate, req.body).domain;
        if (body.name !== undefined && body.name !== domain.name && (await db.domains.byName(body.name))) throw duplicate(body.name);
        await storing(body.name ?? domain.name, () => db.domains.update(domain.id, definedOnly({ name: body.name, description: body.description, enabled: body.enabled })));
        return ok({ domain: domainView(await find(deps, domain.id), req.baseUrl) });
      },
    }),
  ];
}
