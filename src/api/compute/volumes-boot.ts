/**
 * /os-volumes_boot: the old name of /servers kept by Nova (VolumesBootController,
 * a ServersController under another path, deprecated from 2.103): list,
 * detail, show, create, update, delete and the actions, answered exactly as
 * the servers' — the same handlers, bodies and policies.
 */
import type { Route } from '../types.ts';
import { serverActionRoutes } from './server-actions.ts';
import { type ServerApiDeps, serversRoutes } from './servers.ts';

export const VOLUMES_BOOT = '/os-volumes_boot';

/** The servers' rows under /os-volumes_boot. */
export function volumesBootRoutes(d: ServerApiDeps): Route[] {
  return [...serversRoutes(d), ...serverActionRoutes(d)].map((r) => ({ ...r, path: r.path.replace(/^\/servers(?=\/|$)/, VOLUMES_BOOT), handler: r.handler }));
}
