import type { RequestContext } from '../context.ts';
import { forbidden } from './errors.ts';

/** Nova's default policy rules, by name. */
const RULES = {
  admin: (ctx: RequestContext) => ctx.is_admin,
  any: () => true,
} as const;

/**
 * Nova's default policies for the APIs implemented here: admin-only for
 * services, hypervisors, flavor management, all_tenants, host details;
 * everything else is open to the project (ownership is checked where the
 * resource is looked up).
 */
export const POLICIES: Record<string, keyof typeof RULES> = {
  'os_compute_api:os-services:list': 'admin',
  'os_compute_api:os-services:update': 'admin',
  'os_compute_api:os-services:delete': 'admin',
  'os_compute_api:os-hypervisors:list': 'admin',
  'os_compute_api:os-hypervisors:list-detail': 'admin',
  'os_compute_api:os-hypervisors:show': 'admin',
  'os_compute_api:os-hypervisors:statistics': 'admin',
  'os_compute_api:os-hypervisors:search': 'admin',
  'os_compute_api:os-hypervisors:servers': 'admin',
  'os_compute_api:os-hypervisors:uptime': 'admin',
  'os_compute_api:os-flavor-manage:create': 'admin',
  'os_compute_api:os-flavor-manage:delete': 'admin',
  'os_compute_api:os-flavor-manage:update': 'admin',
  'os_compute_api:os-flavor-extra-specs:create': 'admin',
  'os_compute_api:os-flavor-extra-specs:update': 'admin',
  'os_compute_api:os-flavor-extra-specs:delete': 'admin',
  'os_compute_api:os-flavor-access:add_tenant_access': 'admin',
  'os_compute_api:os-flavor-access:remove_tenant_access': 'admin',
  'os_compute_api:os-flavor-access': 'admin',
  'os_compute_api:os-availability-zone:detail': 'admin',
  'os_compute_api:os-quota-sets:update': 'admin',
  'os_compute_api:os-quota-sets:delete': 'admin',
  'os_compute_api:os-instance-actions:events': 'admin',
  'os_compute_api:os-instance-actions:events:details': 'admin',
  'os_compute_api:servers:index:get_all_tenants': 'admin',
  'os_compute_api:servers:detail:get_all_tenants': 'admin',
  'os_compute_api:servers:show:host_status': 'admin',
  'os_compute_api:servers:create:forced_host': 'admin',
  'os_compute_api:os-extended-server-attributes': 'admin',
  'os_compute_api:os-lock-server:unlock:unlock_override': 'admin',
  'os_compute_api:os-console-auth-tokens': 'admin',
  'os_compute_api:os-keypairs:other_user': 'admin',
  'os_compute_api:os-aggregates:index': 'admin',
  'os_compute_api:os-aggregates:create': 'admin',
  'os_compute_api:os-aggregates:show': 'admin',
  'os_compute_api:os-aggregates:update': 'admin',
  'os_compute_api:os-aggregates:delete': 'admin',
  'os_compute_api:os-aggregates:add_host': 'admin',
  'os_compute_api:os-aggregates:remove_host': 'admin',
  'os_compute_api:os-aggregates:set_metadata': 'admin',
  'os_compute_api:os-server-groups:index:all_projects': 'admin',
};

export function allowed(ctx: RequestContext, policy: string): boolean {
  const rule = POLICIES[policy] ?? 'any';
  return RULES[rule](ctx);
}

/** Answer 403 unless the caller passes the policy (Nova's message). */
export function authorize(ctx: RequestContext, policy: string): void {
  if (!allowed(ctx, policy)) throw forbidden(`Policy doesn't allow ${policy} to be performed.`);
}
