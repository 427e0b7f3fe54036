/**
 * os-hypervisors (nova/api/openstack/compute/hypervisors.py): GET
 * /os-hypervisors, /detail, /{id}, /statistics (≤2.87), /{id}/uptime
 * (≤2.87), /{pattern}/search and /{pattern}/servers (≤2.52). Admin-only.
 * A hypervisor is a compute node; its state and status are those of the
 * nova-compute service on its host.
 */
import { HypervisorNotFound } from '../../exception/resources.ts';
import type { ComputeNodeDTO } from '../../objects/compute-node.ts';
import type { ServiceDTO } from '../../objects/service.ts';
import { badRequest, notFound } from '../errors.ts';
import { atLeast } from '../microversion.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import type { ApiDeps } from './deps.ts';
import { uptimeRoute, withUptime } from './hypervisor-uptime.ts';
import * as schema from './schemas/hypervisors.ts';
import { boolFromString, isIntegerString, isUuidLike } from './schemas/parameter-types.ts';
import { collectionLinks, last, limitAndMarker, type Query, validateQuery } from './schemas/query.ts';
import { hypervisorStatistics, hypervisorView } from './views/hypervisors.ts';
import { serviceIsAlive } from './views/services.ts';

const UUID_FOR_ID = '2.53';

const notFoundById = (id: string) => notFound(`Hypervisor with ID '${id}' could not be found.`);

/** service_get_by_compute_host: the nova-compute service of the node's host (null when it was deleted). */
function serviceOf(deps: ApiDeps, node: ComputeNodeDTO): Promise<ServiceDTO | null> {
  return deps.db.services.findByHostAndBinary(node.host, 'nova-compute');
}

/** compute_node_search_by_hypervisor: hypervisor_hostname LIKE '%pattern%' (case-insensitive, _ is any character); none is a 404. */
async function nodesMatching(deps: ApiDeps, pattern: string): Promise<ComputeNodeDTO[]> {
  const body = [...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))).join('');
  const re = new RegExp(body, 'is');
  const nodes = (await deps.db.computeNodes.list()).filter((n) => re.test(n.hypervisor_hostname));
  if (nodes.length === 0) throw notFound(`No hypervisor matching '${pattern}' could be found.`);
  return nodes;
}

/** _validate_id + compute_node_get: a uuid from 2.53 (else 400), an integer before (else 404). */
async function getNode(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ComputeNodeDTO> {
  const id = req.params.id;
  try {
    if (atLeast(req.version, UUID_FOR_ID)) {
      if (!isUuidLike(id)) throw badRequest(`Invalid uuid ${id}`);
      return await deps.db.computeNodes.getByUuid(id);
    }
    if (!isIntegerString(id)) throw notFoundById(id);
    return await deps.db.computeNodes.get(Number(id));
  } catch (e) {
    if (e instanceof HypervisorNotFound) throw notFoundById(id);
    throw e;
  }
}

/** The page of nodes after the marker (a node uuid, or an id), ordered by id. */
async function pageOfNodes(deps: ApiDeps, limit: number | undefined, marker: string | undefined): Promise<ComputeNodeDTO[]> {
  let nodes = await deps.db.computeNodes.list();
  if (marker !== undefined) {
    const m = nodes.find((n) => (isUuidLike(marker) ? n.uuid === marker : isIntegerString(marker) && n.id === Number(marker)));
    if (!m) throw badRequest(`marker [${marker}] not found`);
    nodes = nodes.filter((n) => n.id > m.id);
  }
  return limit === undefined ? nodes : nodes.slice(0, limit);
}

async function list(deps: ApiDeps, req: ApiRequest, detail: boolean): Promise<ApiResponse> {
  const v = req.version;
  let q: Query = req.query;
  if (atLeast(v, UUID_FOR_ID)) q = validateQuery(req.query, schema.listQueryV253, true);
  else if (atLeast(v, '2.33')) q = validateQuery(req.query, schema.listQueryV233, false);
  authorize(req.ctx, detail ? 'os_compute_api:os-hypervisors:list-detail' : 'os_compute_api:os-hypervisors:list');

  const maxLimit = deps.conf.api.max_limit;
  const paged = atLeast(v, '2.33');
  const { limit, marker } = paged ? limitAndMarker(q, maxLimit) : { limit: undefined, marker: undefined };
  let links = paged;
  const pattern = atLeast(v, UUID_FOR_ID) ? last(q, 'hypervisor_hostname_pattern') : undefined;
  const withServers = atLeast(v, UUID_FOR_ID) ? boolFromString(last(q, 'with_servers') ?? false, true) : false;
  let nodes: ComputeNodeDTO[];
  if (pattern !== undefined) {
    if (q.limit !== undefined || marker) throw badRequest('Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.');
    links = false;
    nodes = await nodesMatching(deps, pattern);
  } else {
    nodes = await pageOfNodes(deps, limit, marker);
  }

  const now = new Date();
  const hypervisors: Record<string, unknown>[] = [];
  for (const node of nodes) {
    const service = await serviceOf(deps, node);
    if (!service) continue; // a deleted compute service leaves its node behind; Nova skips it
    const servers = withServers ? await deps.db.instances.listByHost(node.host) : null;
    hypervisors.push(await withUptime(deps, req.ctx, v, node.host, hypervisorView(node, service, { conf: deps.conf, version: v, detail, servers, withServers, now })));
  }
  const body: Record<string, unknown> = { hypervisors };
  if (links) {
    const next = collectionLinks(req.baseUrl, detail ? 'os-hypervisors/detail' : 'os-hypervisors', q, hypervisors.length, maxLimit, () => String(hypervisors.at(-1)?.id ?? ''));
    if (next) body.hypervisors_links = next;
  }
  return ok(body);
}

async function show(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  const uuidForId = atLeast(req.version, UUID_FOR_ID);
  const q = uuidForId ? validateQuery(req.query, schema.showQueryV253, true) : req.query;
  const withServers = uuidForId ? boolFromString(last(q, 'with_servers') ?? false, true) : false;
  authorize(req.ctx, 'os_compute_api:os-hypervisors:show');
  const node = await getNode(deps, req);
  const servers = withServers ? await deps.db.instances.listByHost(node.host) : null;
  const service = await serviceOf(deps, node);
  if (!service) throw notFoundById(req.params.id);
  const view = hypervisorView(node, service, { conf: deps.conf, version: req.version, detail: true, servers, withServers });
  return ok({ hypervisor: await withUptime(deps, req.ctx, req.version, node.host, view) });
}

/**
 * GET /os-hypervisors/{id}/uptime (≤2.87): the compute host's uptime line
 * from its driver (hypervisor-uptime.ts); a down service is Nova's 400, a
 * driver without uptime Nova's 501.
 */
async function uptime(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-hypervisors:uptime');
  const node = await getNode(deps, req);
  const service = await serviceOf(deps, node);
  if (!service) throw notFoundById(req.params.id);
  if (!serviceIsAlive(deps.conf, service)) throw badRequest(`Compute service of ${node.host} is unavailable at this time.`);
  const uptime = await uptimeRoute(deps, req.ctx, node.host, req.params.id);
  return ok({ hypervisor: { ...hypervisorView(node, service, { conf: deps.conf, version: req.version, detail: false }), uptime } });
}

/** GET /os-hypervisors/{pattern}/search and /{pattern}/servers (≤2.52). */
async function search(deps: ApiDeps, req: ApiRequestOf<'id'>, withServers: boolean): Promise<ApiResponse> {
  authorize(req.ctx, withServers ? 'os_compute_api:os-hypervisors:servers' : 'os_compute_api:os-hypervisors:search');
  const hypervisors: Record<string, unknown>[] = [];
  for (const node of await nodesMatching(deps, req.params.id)) {
    const servers = withServers ? await deps.db.instances.listByHost(node.host) : null;
    const service = await serviceOf(deps, node);
    if (!service) continue;
    hypervisors.push(hypervisorView(node, service, { conf: deps.conf, version: req.version, detail: false, servers }));
  }
  return ok({ hypervisors });
}

/** GET /os-hypervisors/statistics (≤2.87): sums over the nodes of enabled nova-compute services. */
async function statistics(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-hypervisors:statistics');
  const enabled = await deps.db.services.list({ binary: 'nova-compute', disabled: false });
  const hosts = new Set(enabled.map((s) => s.host));
  const ids = new Set(enabled.map((s) => s.id));
  const nodes = (await deps.db.computeNodes.list()).filter((n) => hosts.has(n.host) || (n.service_id !== null && ids.has(n.service_id)));
  return ok(hypervisorStatistics(nodes));
}

/** The os-hypervisors routes. */
export function hypervisorsRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/os-hypervisors', handler: (req) => list(deps, req, false) }),
    route({ method: 'GET', path: '/os-hypervisors/detail', handler: (req) => list(deps, req, true) }),
    route({ method: 'GET', path: '/os-hypervisors/statistics', maxVersion: '2.87', handler: (req) => statistics(deps, req) }),
    route({ method: 'GET', path: '/os-hypervisors/:id', handler: (req) => show(deps, req) }),
    route({ method: 'GET', path: '/os-hypervisors/:id/uptime', maxVersion: '2.87', handler: (req) => uptime(deps, req) }),
    route({ method: 'GET', path: '/os-hypervisors/:id/search', maxVersion: '2.52', handler: (req) => search(deps, req, false) }),
    route({ method: 'GET', path: '/os-hypervisors/:id/servers', maxVersion: '2.52', handler: (req) => search(deps, req, true) }),
  ];
}
