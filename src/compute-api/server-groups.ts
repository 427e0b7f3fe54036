/**
 * Booting into a server group (the scheduler hint `group`), as Nova's
 * compute API does it: the group must exist (400 otherwise), the new
 * instances become members at create time under the server_group_members
 * quota (checked before and re-checked after adding them), and the
 * RequestSpec carries the group with the hosts its members run on.
 */
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { Forbidden, Invalid } from '../exception/base.ts';
import { InstanceGroupNotFound } from '../exception/server-group.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { InstanceGroupSpec, SchedulerHints } from '../objects/request-spec.ts';
import type { ServerGroupDTO } from '../objects/server-group.ts';
import { effectiveLimits, overQuota, usage } from './quota.ts';

interface GroupDeps {
  conf: NovaConfig;
  db: DbApi;
  log: Logger;
}

/** Nova's message when a boot would take a group over server_group_members. */
const TOO_MANY_MEMBERS = 'Quota exceeded, too many servers in group';

/**
 * The group named by the `group` hint, or null without one. A group that
 * does not exist, or belongs to another project (for non-admins), is
 * Nova's InstanceGroupNotFound as a 400 (Invalid).
 */
export async function requestedGroup(db: DbApi, ctx: RequestContext, hints: SchedulerHints): Promise<ServerGroupDTO | null> {
  const uuid = hints.group;
  if (uuid === undefined || uuid === '') return null;
  const notFound = () => new Invalid(InstanceGroupNotFound.of(uuid).message);
  let group: ServerGroupDTO;
  try {
    group = await db.serverGroups.get(uuid);
  } catch (e) {
    if (e instanceof InstanceGroupNotFound) throw notFound();
    throw e;
  }
  if (!ctx.is_admin && group.project_id !== ctx.project_id) throw notFound();
  return group;
}

async function membersOver(deps: GroupDeps, ctx: RequestContext, group: ServerGroupDTO, delta: number): Promise<boolean> {
  const projectId = ctx.project_id ?? '';
  const [limits, used] = await Promise.all([effectiveLimits(deps, projectId), usage(deps, projectId, ctx.user_id, group.uuid)]);
  if (delta > 0) return overQuota(limits, used, { server_group_members: delta }).length > 0;
  return limits.server_group_members >= 0 && used.server_group_members > limits.server_group_members;
}

/** Throws Forbidden (403) when `count` more servers would take the group over server_group_members. */
export async function checkGroupQuota(deps: GroupDeps, ctx: RequestContext, group: ServerGroupDTO | null, count: number): Promise<void> {
  if (group && (await membersOver(deps, ctx, group, count))) throw new Forbidden(TOO_MANY_MEMBERS);
}

/**
 * Make the new instances members of the group and return the group as the
 * RequestSpec carries it (undefined without a group). When the quota
 * re-check fails (a concurrent boot took the room), the memberships and the
 * instances are removed again and Forbidden (403) is thrown.
 */
export async function joinGroup(deps: GroupDeps, ctx: RequestContext, group: ServerGroupDTO | null, instances: readonly InstanceDTO[]): Promise<InstanceGroupSpec | undefined> {
  if (!group) return undefined;
  const uuids = instances.map((i) => i.uuid);
  await deps.db.serverGroups.addMembers(group.id, uuids);
  if (await membersOver(deps, ctx, group, 0)) {
    await deps.db.serverGroups.removeInstances(uuids);
    for (const uuid of uuids) {
      await deps.db.instances.destroy(uuid).catch((err: unknown) => deps.log.error({ instance_uuid: uuid, err }, 'could not remove an instance the group quota refused'));
    }
    throw new Forbidden(TOO_MANY_MEMBERS);
  }
  const spec = await deps.db.serverGroups.forRequestSpec(group.uuid, uuids);
  return spec ?? { uuid: group.uuid, policy: group.policy, members: [...group.members, ...uuids], hosts: [], rules: group.rules };
}
