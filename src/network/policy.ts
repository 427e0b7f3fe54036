/**
 * Neutron's default policies (neutron/conf/policies, the secure-RBAC
 * defaults): a project's members read and change its resources, its readers
 * only read them, admins everything; shared and external networks are
 * visible to every project; a few attributes (provider:*, binding:*,
 * router:external, shared) only admins set or see.
 */
import type { RequestContext } from '../context.ts';
import type { Doc } from './db/store.ts';
import { denied } from './resource.ts';

/** May the caller write at all (member or admin)? A reader gets 403 for `action`. */
export function assertWriter(ctx: RequestContext, action: string): void {
  if (ctx.is_admin || ctx.roles.includes('member')) return;
  throw denied(action);
}

/** Is the resource the caller's project's (or is the caller an admin)? */
export function owns(ctx: RequestContext, doc: Readonly<{ project_id: string }>): boolean {
  return ctx.is_admin || (ctx.project_id !== null && doc.project_id === ctx.project_id);
}

/** get_network: the owner, anyone for shared or external networks, admins. */
export function canSeeNetwork(ctx: RequestContext, net: Readonly<Doc>): boolean {
  return owns(ctx, net) || net.shared === true || net['router:external'] === true;
}
