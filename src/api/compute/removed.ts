/**
 * The Compute API resources Nova removed and still routes, each method
 * answering 410 Gone at every microversion (their controllers raise
 * webob's HTTPGone; their schemas are empty, so the body is not checked):
 * os-agents (XenAPI), os-cells (cells v1), os-cloudpipe, os-fixed-ips,
 * os-floating-ip-dns, os-floating-ips-bulk, os-fping,
 * os-security-group-default-rules, /servers/{id}/consoles (the XenAPI
 * console service), /servers/{id}/os-virtual-interfaces (nova-network), and
 * the writes of os-networks and os-tenant-networks (their reads are the
 * network service proxy, not here). No policy is checked and no server
 * looked up: any caller gets the 410. An action route answers 410 for the
 * actions it had and 400 "There is no such action" for any other.
 */
import { gone } from '../errors.ts';
import type { HttpMethod, Route } from '../types.ts';
import { route } from '../types.ts';
import { actionHandler, actionName } from '../validation.ts';

/** [path under /v2.1, its methods], in the order of Nova's ROUTE_LIST. */
const GONE: readonly [string, readonly HttpMethod[]][] = [
  ['/os-agents', ['GET', 'POST']],
  ['/os-agents/:id', ['PUT', 'DELETE']],
  ['/os-cells', ['POST', 'GET']],
  ['/os-cells/capacities', ['GET']],
  ['/os-cells/detail', ['GET']],
  ['/os-cells/info', ['GET']],
  ['/os-cells/sync_instances', ['POST']],
  ['/os-cells/:id', ['GET', 'PUT', 'DELETE']],
  ['/os-cells/:id/capacities', ['GET']],
  ['/os-cloudpipe', ['GET', 'POST']],
  ['/os-cloudpipe/:id', ['PUT']],
  ['/os-fixed-ips/:id', ['GET']],
  ['/os-floating-ip-dns', ['GET']],
  ['/os-floating-ip-dns/:id', ['PUT', 'DELETE']],
  ['/os-floating-ip-dns/:domain_id/entries/:id', ['GET', 'PUT', 'DELETE']],
  ['/os-floating-ips-bulk', ['GET', 'POST']],
  ['/os-floating-ips-bulk/:id', ['GET', 'PUT']],
  ['/os-fping', ['GET']],
  ['/os-fping/:id', ['GET']],
  ['/os-networks', ['POST']],
  ['/os-networks/add', ['POST']],
  ['/os-networks/:id', ['DELETE']],
  ['/os-security-group-default-rules', ['GET', 'POST']],
  ['/os-security-group-default-rules/:id', ['GET', 'DELETE']],
  ['/os-tenant-networks', ['POST']],
  ['/os-tenant-networks/:id', ['DELETE']],
  ['/servers/:server_id/consoles', ['GET', 'POST']],
  ['/servers/:server_id/consoles/:id', ['GET', 'DELETE']],
  ['/servers/:server_id/os-virtual-interfaces', ['GET']],
];

/** [action route, the actions its controllers had]: fixed_ips.py; networks.py with networks_associate.py. */
const GONE_ACTIONS: readonly [string, readonly string[]][] = [
  ['/os-fixed-ips/:id/action', ['reserve', 'unreserve']],
  ['/os-networks/:id/action', ['disassociate', 'disassociate_host', 'disassociate_project', 'associate_host']],
];

const answerGone = async (): Promise<never> => {
  throw gone();
};

const REMOVED = new WeakSet<Route>();

/** Is this row one of Nova's removed APIs (for the README's table)? */
export const isRemoved = (r: Route): boolean => REMOVED.has(r);

/** Every removed route: 410 to any caller. */
export function removedRoutes(): Route[] {
  const rows = GONE.flatMap(([path, methods]) => methods.map((method) => route({ method, path, unguarded: true, handler: answerGone })));
  const actions = GONE_ACTIONS.map(([path, names]) => {
    const table = Object.fromEntries(names.map((n) => [n, answerGone]));
    return route({ method: 'POST', path, unguarded: true, handler: async (req) => actionHandler(table, actionName(req.body))() });
  });
  for (const r of [...rows, ...actions]) REMOVED.add(r);
  return [...rows, ...actions];
}
