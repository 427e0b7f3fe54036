/**
 * GET /servers and /servers/detail (ServersController.index/detail): the
 * query checked against the microversion's schema, turned into search
 * options (server-search.ts), the database query, the IP filters on the
 * servers' fixed addresses, and the brief or detailed views with the next
 * link of a full page.
 */
import { Invalid } from '../../exception/base.ts';
import { MarkerNotFound } from '../../exception/instance.ts';
import { FlavorNotFound } from '../../exception/resources.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { errorCode } from '../../util/error-code.ts';
import { badRequest } from '../errors.ts';
import { authorize } from '../policy.ts';
import type { ApiRequest, ApiResponse } from '../types.ts';
import { ok } from '../types.ts';
import { last } from './schemas/query.ts';
import { serverListQuery } from './schemas/server-query.ts';
import { serverSearch } from './server-search.ts';
import { viewContext } from './server-view-context.ts';
import type { ServerApiDeps } from './servers.ts';
import { matchesIpFilter } from './views/addresses.ts';
import { nextLink } from './views/common.ts';
import { serverBrief, serverDetail } from './views/servers.ts';

/** The flavor filter as compute.api.get_all remaps it: the flavor's id, or null when there is no such flavor (nothing matches). */
async function flavorId(deps: ServerApiDeps, flavorid: string): Promise<number | null> {
  try {
    return (await deps.db.flavors.getByFlavorId(flavorid)).id;
  } catch (e) {
    if (e instanceof FlavorNotFound) return null;
    throw e;
  }
}

export async function listServers(deps: ServerApiDeps, req: ApiRequest, detail: boolean): Promise<ApiResponse> {
  const query = serverListQuery(req.query, req.version);
  authorize(req.ctx, `os_compute_api:servers:${detail ? 'detail' : 'index'}`);
  const search = serverSearch(req.ctx, req.version, query, detail);
  const maxLimit = deps.conf.api.max_limit;
  const limitParam = last(query, 'limit');
  const limit = Math.min(maxLimit, limitParam === undefined ? maxLimit : Number(limitParam));
  const marker = last(query, 'marker');
  const filters = { ...search.filters };
  if (search.flavor !== undefined) {
    const id = await flavorId(deps, search.flavor);
    if (id === null) return ok({ servers: [] });
    filters.instance_type_id = id;
  }
  if (search.none) return ok({ servers: [] });
  // IP filters match in memory: the database is asked for everything, the page is cut after.
  const byIp = search.ip !== undefined || search.ip6 !== undefined;
  let instances: InstanceDTO[];
  try {
    instances = await deps.compute.list(filters, { sort: search.sort, limit: byIp ? undefined : limit, marker });
  } catch (e) {
    if (e instanceof MarkerNotFound) throw badRequest(`marker [${marker ?? ''}] not found`);
    if (e instanceof Invalid) throw badRequest(e.message);
    // A pattern JavaScript accepts but the database's regex engine does not.
    if (/^ER_REGEXP/.test(errorCode(e) ?? '')) throw badRequest(`Invalid input received: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
  if (byIp) instances = instances.filter((i) => matchesIpFilter(i, search.ip, search.ip6)).slice(0, limit);
  const body: Record<string, unknown> = {};
  if (detail) {
    const vc = await viewContext(deps, req, instances);
    body.servers = instances.map((i) => serverDetail(i, vc));
  } else {
    body.servers = instances.map((i) => serverBrief(i, req.baseUrl));
  }
  const lastInstance = instances.at(-1);
  if (lastInstance && instances.length === limit) body.servers_links = nextLink(req.baseUrl, detail ? 'servers/detail' : 'servers', req.query, lastInstance.uuid);
  return ok(body);
}
