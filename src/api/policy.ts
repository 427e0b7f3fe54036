import type { RequestContext } from '../context.ts';
import { forbidden } from './errors.ts';

/** What a rule may compare the caller with (Nova's policy target). */
export interface PolicyTarget {
  readonly project_id?: string | null;
}

const inProject = (ctx: RequestContext, target?: PolicyTarget) => target?.project_id != null && ctx.project_id === target.project_id;

/** Nova's default policy rules, by name. The project rules need a target (without one, only an admin passes). */
const RULES = {
  admin: (ctx: RequestContext, _target?: PolicyTarget) => ctx.is_admin,
  any: (_ctx: RequestContext, _target?: PolicyTarget) => true,
  /** PROJECT_READER_OR_ADMIN. */
  project_reader_or_admin: (ctx: RequestContext, target?: PolicyTarget) => ctx.is_admin || inProject(ctx, target),
  /** PROJECT_MEMBER_OR_ADMIN. */
  project_member_or_admin: (ctx: RequestContext, target?: PolicyTarget) => ctx.is_admin || (inProject(ctx, target) && ctx.roles.includes('member')),
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
  'os_compute_api:servers:allow_all_filters': 'admin',
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
  'os_compute_api:os-server-tags:index': 'project_reader_or_admin',
  'os_compute_api:os-server-tags:show': 'project_reader_or_admin',
  'os_compute_api:os-server-tags:update': 'project_member_or_admin',
  'os_compute_api:os-server-tags:update_all': 'project_member_or_admin',
  'os_compute_api:os-server-tags:delete': 'project_member_or_admin',
  'os_compute_api:os-server-tags:delete_all': 'project_member_or_admin',
  'os_compute_api:os-simple-tenant-usage:list': 'admin',
  'os_compute_api:os-simple-tenant-usage:show': 'project_reader_or_admin',
  'os_compute_api:os-migrations:index': 'admin',
  'os_compute_api:extensions': 'any',
  'os_compute_api:os-hosts:list': 'admin',
  'os_compute_api:os-hosts:show': 'admin',
  'os_compute_api:os-hosts:update': 'admin',
  'os_compute_api:os-hosts:reboot': 'admin',
  'os_compute_api:os-hosts:shutdown': 'admin',
  'os_compute_api:os-hosts:start': 'admin',
  'os_compute_api:os-server-password:show': 'project_reader_or_admin',
  'os_compute_api:ips:index': 'project_reader_or_admin',
  'os_compute_api:ips:show': 'project_reader_or_admin',
  'os_compute_api:os-attach-interfaces:list': 'project_reader_or_admin',
  'os_compute_api:os-attach-interfaces:show': 'project_reader_or_admin',
  'os_compute_api:os-attach-interfaces:create': 'project_member_or_admin',
  'os_compute_api:os-attach-interfaces:delete': 'project_member_or_admin',
  'os_compute_api:os-volumes:list': 'project_reader_or_admin',
  'os_compute_api:os-volumes:detail': 'project_reader_or_admin',
  'os_compute_api:os-volumes:show': 'project_reader_or_admin',
  'os_compute_api:os-volumes:create': 'project_member_or_admin',
  'os_compute_api:os-volumes:delete': 'project_member_or_admin',
  'os_compute_api:os-volumes:snapshots:list': 'project_reader_or_admin',
  'os_compute_api:os-volumes:snapshots:detail': 'project_reader_or_admin',
  'os_compute_api:os-volumes:snapshots:show': 'project_reader_or_admin',
  'os_compute_api:os-volumes:snapshots:create': 'project_member_or_admin',
  'os_compute_api:os-volumes:snapshots:delete': 'project_member_or_admin',
  'os_compute_api:os-volumes-attachments:index': 'project_reader_or_admin',
  'os_compute_api:os-volumes-attachments:show': 'project_reader_or_admin',
  'os_compute_api:os-volumes-attachments:create': 'project_member_or_admin',
  'os_compute_api:os-volumes-attachments:update': 'project_member_or_admin',
  'os_compute_api:os-volumes-attachments:swap': 'admin',
  'os_compute_api:os-volumes-attachments:delete': 'project_member_or_admin',
  'os_compute_api:os-networks:list': 'project_reader_or_admin',
  'os_compute_api:os-networks:show': 'project_reader_or_admin',
  'os_compute_api:os-tenant-networks:list': 'project_reader_or_admin',
  'os_compute_api:os-tenant-networks:show': 'project_reader_or_admin',
  'os_compute_api:os-floating-ips:add': 'project_member_or_admin',
  'os_compute_api:os-floating-ips:remove': 'project_member_or_admin',
  'os_compute_api:os-floating-ips:list': 'project_reader_or_admin',
  'os_compute_api:os-floating-ips:create': 'project_member_or_admin',
  'os_compute_api:os-floating-ips:show': 'project_reader_or_admin',
  'os_compute_api:os-floating-ips:delete': 'project_member_or_admin',
  'os_compute_api:os-security-groups:get': 'project_reader_or_admin',
  'os_compute_api:os-security-groups:show': 'project_reader_or_admin',
  'os_compute_api:os-security-groups:create': 'project_member_or_admin',
  'os_compute_api:os-security-groups:update': 'project_member_or_admin',
  'os_compute_api:os-security-groups:delete': 'project_member_or_admin',
  'os_compute_api:os-security-groups:rule:create': 'project_member_or_admin',
  'os_compute_api:os-security-groups:rule:delete': 'project_member_or_admin',
  'os_compute_api:os-security-groups:list': 'project_reader_or_admin',
  'os_compute_api:os-security-groups:add': 'project_member_or_admin',
  'os_compute_api:os-security-groups:remove': 'project_member_or_admin',
  'os_compute_api:os-server-password:clear': 'project_member_or_admin',
  'compute:server:topology:index': 'project_reader_or_admin',
  'compute:server:topology:host:index': 'admin',
  'os_compute_api:os-server-diagnostics': 'admin',
  'os_compute_api:os-server-external-events:create': 'admin',
  'compute:aggregates:images': 'admin',
  'os_compute_api:os-quota-class-sets:show': 'admin',
  'os_compute_api:os-quota-class-sets:update': 'admin',
  'os_compute_api:os-instance-usage-audit-log:list': 'admin',
  'os_compute_api:os-instance-usage-audit-log:show': 'admin',
  'os_compute_api:servers:create_image': 'project_member_or_admin',
  'os_compute_api:servers:create_image:allow_volume_backed': 'project_member_or_admin',
  'os_compute_api:servers:trigger_crash_dump': 'project_member_or_admin',
  'os_compute_api:os-create-backup': 'project_member_or_admin',
  'os_compute_api:os-shelve:shelve': 'project_member_or_admin',
  'os_compute_api:os-shelve:shelve_offload': 'admin',
  'os_compute_api:os-shelve:unshelve': 'project_member_or_admin',
  'os_compute_api:os-shelve:unshelve_to_host': 'admin',
  'os_compute_api:os-rescue': 'project_member_or_admin',
  'os_compute_api:os-unrescue': 'project_member_or_admin',
  'os_compute_api:os-admin-password': 'project_member_or_admin',
  'os_compute_api:os-admin-actions:reset_state': 'admin',
  'os_compute_api:os-admin-actions:inject_network_info': 'admin',
  'os_compute_api:os-deferred-delete:restore': 'project_member_or_admin',
  'os_compute_api:os-deferred-delete:force': 'project_member_or_admin',
  'os_compute_api:servers:resize': 'project_member_or_admin',
  'os_compute_api:servers:confirm_resize': 'project_member_or_admin',
  'os_compute_api:servers:revert_resize': 'project_member_or_admin',
  'os_compute_api:servers:rebuild': 'project_member_or_admin',
  'os_compute_api:servers:rebuild:trusted_certs': 'project_member_or_admin',
  'os_compute_api:os-migrate-server:migrate': 'admin',
  'os_compute_api:os-migrate-server:migrate:host': 'admin',
  'os_compute_api:os-migrate-server:migrate_live': 'admin',
  'os_compute_api:os-migrate-server:migrate_live:host': 'admin',
  'os_compute_api:os-evacuate': 'admin',
  'os_compute_api:servers:migrations:index': 'admin',
  'os_compute_api:servers:migrations:show': 'admin',
  'os_compute_api:servers:migrations:force_complete': 'admin',
  'os_compute_api:servers:migrations:delete': 'admin',
};

/** Does the caller pass the policy (against `target`, for the project rules)? */
export function allowed(ctx: RequestContext, policy: string, target?: PolicyTarget): boolean {
  const rule = POLICIES[policy] ?? 'any';
  return RULES[rule](ctx, target);
}

/** Answer 403 unless the caller passes the policy (Nova's message). */
export function authorize(ctx: RequestContext, policy: string, target?: PolicyTarget): void {
  if (!allowed(ctx, policy, target)) throw forbidden(`Policy doesn't allow ${policy} to be performed.`);
}
