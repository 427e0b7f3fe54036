/**
 * The catalog: /v3/services, /v3/endpoints (list with filters, create, show,
 * update, delete; admins only) and /v3/regions (anyone authenticated may read;
 * admins create). Tokens carry the enabled services with their endpoints.
 */
import type { CatalogService, Endpoint } from './db/catalog.ts';
import { definedOnly, newId } from './db/util.ts';
import { conflict, notFound } from './errors.ts';
import { enforce } from './policy.ts';
import { endpointCreate, endpointUpdate, regionCreate, serviceCreate, serviceUpdate } from './schemas/catalog.ts';
import { validateBody } from './schemas/validate.ts';
import { callerOf, created, type IdentityDeps, type IdentityRoute, noContent, ok, queryOne, route } from './types.ts';
import { endpointView, regionView, serviceView } from './views/catalog.ts';
import { collection } from './views/common.ts';

/** The routes of /v3/services, /v3/endpoints and /v3/regions. */
export function catalogRoutes(deps: IdentityDeps): IdentityRoute[] {
  const cat = deps.db.catalog;
  const service = async (id: string): Promise<CatalogService> => {
    const s = await cat.getService(id);
    if (!s) throw notFound('service', id);
    return s;
  };
  const endpoint = async (id: string): Promise<Endpoint> => {
    const e = await cat.getEndpoint(id);
    if (!e) throw notFound('endpoint', id);
    return e;
  };
  return [
    route({
      method: 'GET',
      path: '/v3/services',
      async handler(req) {
        enforce(req, 'list_services');
        const list = await cat.listServices({ type: queryOne(req.query.type), name: queryOne(req.query.name) });
        return ok(
          collection(
            req.baseUrl,
            'services',
            'services',
            list.map((s) => serviceView(s, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'POST',
      path: '/v3/services',
      async handler(req) {
        enforce(req, 'create_service');
        const b = validateBody(serviceCreate, req.body).service;
        const s = await cat.createService({ type: b.type, name: b.name ?? null, description: b.description ?? null, enabled: b.enabled ?? true });
        return created({ service: serviceView(s, req.baseUrl) });
      },
    }),
    route({
      method: 'GET',
      path: '/v3/services/:service_id',
      async handler(req) {
        enforce(req, 'get_service');
        return ok({ service: serviceView(await service(req.params.service_id), req.baseUrl) });
      },
    }),
    route({
      method: 'PATCH',
      path: '/v3/services/:service_id',
      async handler(req) {
        enforce(req, 'update_service');
        const s = await service(req.params.service_id);
        const b = validateBody(serviceUpdate, req.body).service;
        await cat.updateService(s.id, definedOnly({ type: b.type, name: b.name, description: b.description, enabled: b.enabled }));
        return ok({ service: serviceView(await service(s.id), req.baseUrl) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/services/:service_id',
      async handler(req) {
        enforce(req, 'delete_service');
        await cat.deleteService((await service(req.params.service_id)).id);
        return noContent();
      },
    }),
    route({
      method: 'GET',
      path: '/v3/endpoints',
      async handler(req) {
        enforce(req, 'list_endpoints');
        const q = req.query;
        const list = await cat.listEndpoints({ service_id: queryOne(q.service_id), interface: queryOne(q.interface), region_id: queryOne(q.region_id) });
        return ok(
          collection(
            req.baseUrl,
            'endpoints',
            'endpoints',
            list.map((e) => endpointView(e, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'POST',
      path: '/v3/endpoints',
      async handler(req) {
        enforce(req, 'create_endpoint');
        const b = validateBody(endpointCreate, req.body).endpoint;
        await service(b.service_id);
        const region = b.region_id ?? b.region ?? null;
        if (region !== null) await cat.ensureRegion(region);
        const e = await cat.createEndpoint({ service_id: b.service_id, interface: b.interface, url: b.url, region_id: region, enabled: b.enabled ?? true });
        return created({ endpoint: endpointView(e, req.baseUrl) });
      },
    }),
    route({
      method: 'GET',
      path: '/v3/endpoints/:endpoint_id',
      async handler(req) {
        enforce(req, 'get_endpoint');
        return ok({ endpoint: endpointView(await endpoint(req.params.endpoint_id), req.baseUrl) });
      },
    }),
    route({
      method: 'PATCH',
      path: '/v3/endpoints/:endpoint_id',
      async handler(req) {
        enforce(req, 'update_endpoint');
        const e = await endpoint(req.params.endpoint_id);
        const b = validateBody(endpointUpdate, req.body).endpoint;
        if (b.service_id !== undefined) await service(b.service_id);
        const region = b.region_id !== undefined ? b.region_id : b.region;
        if (region) await cat.ensureRegion(region);
        await cat.updateEndpoint(e.id, definedOnly({ service_id: b.service_id, interface: b.interface, url: b.url, region_id: region, enabled: b.enabled }));
        return ok({ endpoint: endpointView(await endpoint(e.id), req.baseUrl) });
      },
    }),
    route({
      method: 'DELETE',
      path: '/v3/endpoints/:endpoint_id',
      async handler(req) {
        enforce(req, 'delete_endpoint');
        await cat.deleteEndpoint((await endpoint(req.params.endpoint_id)).id);
        return noContent();
      },
    }),
    route({
      method: 'GET',
      path: '/v3/regions',
      async handler(req) {
        callerOf(req);
        const list = await cat.listRegions();
        return ok(
          collection(
            req.baseUrl,
            'regions',
            'regions',
            list.map((r) => regionView(r, req.baseUrl)),
          ),
        );
      },
    }),
    route({
      method: 'GET',
      path: '/v3/regions/:region_id',
      async handler(req) {
        callerOf(req);
        const r = await cat.getRegion(req.params.region_id);
        if (!r) throw notFound('region', req.params.region_id);
        return ok({ region: regionView(r, req.baseUrl) });
      },
    }),
    route({
      method: 'POST',
      path: '/v3/regions',
      async handler(req) {
        enforce(req, 'create_region');
        const b = validateBody(regionCreate, req.body).region;
        const id = b.id ?? newId();
        if (await cat.getRegion(id)) throw conflict('region', `Duplicate ID, ${id}`);
        if (b.parent_region_id && !(await cat.getRegion(b.parent_region_id))) throw notFound('region', b.parent_region_id);
        const r = await cat.ensureRegion(id, b.description ?? '', b.parent_region_id ?? null);
        return created({ region: regionView(r, req.baseUrl) });
      },
    }),
  ];
}
