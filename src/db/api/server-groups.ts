import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { InstanceGroupNotFound } from '../../exception/server-group.ts';
import type { InstanceGroupSpec } from '../../objects/request-spec.ts';
import type { ServerGroupDTO } from '../../objects/server-group.ts';
import type { InstanceGroupsTable } from '../schema.ts';
import { dbTime } from '../time.ts';
import { affected, type Db, parseJson } from './common.ts';

/** What a new server group is made of. */
export interface NewServerGroup {
  name: string;
  project_id: string;
  user_id: string;
  policy: string;
  rules: Record<string, number>;
}

const toDTO = (r: Selectable<InstanceGroupsTable>, members: string[]): ServerGroupDTO => ({
  id: r.id,
  uuid: r.uuid,
  name: r.name,
  project_id: r.project_id,
  user_id: r.user_id,
  policy: r.policy,
  rules: parseJson<Record<string, number>>(r.rules, {}),
  members,
  created_at: r.created_at,
  updated_at: r.updated_at,
  deleted_at: r.deleted_at,
  deleted: r.deleted !== 0,
});

/**
 * instance_groups and instance_group_member: server groups and their
 * members. Members are only reported while their instance exists (not
 * deleted), as Nova's API filters them.
 */
export class ServerGroupRepository {
  constructor(private readonly db: Db) {}

  /** Live member instances per group id, oldest membership first. */
  private async membersOf(groupIds: readonly number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return out;
    const rows = await this.db.kysely
      .selectFrom('instance_group_member as m')
      .innerJoin('instances as i', 'i.uuid', 'm.instance_uuid')
      .select(['m.group_id', 'm.instance_uuid'])
      .where('m.group_id', 'in', [...groupIds])
      .where('i.deleted', '=', 0)
      .orderBy('m.id')
      .execute();
    for (const r of rows) out.get(r.group_id)?.push(r.instance_uuid);
    return out;
  }

  private async withMembers(rows: Selectable<InstanceGroupsTable>[]): Promise<ServerGroupDTO[]> {
    const members = await this.membersOf(rows.map((r) => r.id));
    return rows.map((r) => toDTO(r, members.get(r.id) ?? []));
  }

  async create(g: NewServerGroup): Promise<ServerGroupDTO> {
    const uuid = randomUUID();
    await this.db.kysely
      .insertInto('instance_groups')
      .values({ uuid, name: g.name, project_id: g.project_id, user_id: g.user_id, policy: g.policy, rules: JSON.stringify(g.rules), created_at: dbTime(), updated_at: null })
      .execute();
    return this.get(uuid);
  }

  /** A live group by uuid (any project); InstanceGroupNotFound otherwise. */
  async get(uuid: string): Promise<ServerGroupDTO> {
    const r = await this.db.kysely.selectFrom('instance_groups').selectAll().where('uuid', '=', uuid).where('deleted', '=', 0).executeTakeFirst();
    if (!r) throw InstanceGroupNotFound.of(uuid);
    const [dto] = await this.withMembers([r]);
    return dto as ServerGroupDTO;
  }

  /** Live groups, of one project or (no projectId) of all, in creation order. */
  async list(opts: { projectId?: string } = {}): Promise<ServerGroupDTO[]> {
    let q = this.db.kysely.selectFrom('instance_groups').selectAll().where('deleted', '=', 0);
    if (opts.projectId !== undefined) q = q.where('project_id', '=', opts.projectId);
    return this.withMembers(await q.orderBy('id').execute());
  }

  /** Soft-delete a group and drop its members; InstanceGroupNotFound when it is not there (any more). */
  async destroy(uuid: string): Promise<void> {
    const r = await this.db.kysely.selectFrom('instance_groups').select('id').where('uuid', '=', uuid).where('deleted', '=', 0).executeTakeFirst();
    if (!r) throw InstanceGroupNotFound.of(uuid);
    const u = await this.db.kysely
      .updateTable('instance_groups')
      .set((eb) => ({ deleted: eb.ref('id'), deleted_at: dbTime() }))
      .where('id', '=', r.id)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (affected(u) === 0) throw InstanceGroupNotFound.of(uuid);
    await this.db.kysely.deleteFrom('instance_group_member').where('group_id', '=', r.id).execute();
  }

  /** Live groups of a project (and of one user in it, when given): the server_groups quota usage. */
  async count(projectId: string, userId?: string | null): Promise<number> {
    let q = this.db.kysely
      .selectFrom('instance_groups')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('deleted', '=', 0);
    if (userId) q = q.where('user_id', '=', userId);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  }

  /** Live member instances of a group (of one user, when given): the server_group_members quota usage. */
  async countMembers(groupUuid: string, userId?: string | null): Promise<number> {
    let q = this.db.kysely
      .selectFrom('instance_group_member as m')
      .innerJoin('instance_groups as g', 'g.id', 'm.group_id')
      .innerJoin('instances as i', 'i.uuid', 'm.instance_uuid')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('g.uuid', '=', groupUuid)
      .where('g.deleted', '=', 0)
      .where('i.deleted', '=', 0);
    if (userId) q = q.where('i.user_id', '=', userId);
    return Number((await q.executeTakeFirst())?.n ?? 0);
  }

  async addMembers(groupId: number, instanceUuids: readonly string[]): Promise<void> {
    if (instanceUuids.length === 0) return;
    const now = dbTime();
    await this.db.kysely
      .insertInto('instance_group_member')
      .values(instanceUuids.map((instance_uuid) => ({ group_id: groupId, instance_uuid, created_at: now, updated_at: null })))
      .execute();
  }

  /** Drop instances from every group they belong to (their instance is being deleted). */
  async removeInstances(instanceUuids: readonly string[]): Promise<void> {
    if (instanceUuids.length === 0) return;
    await this.db.kysely
      .deleteFrom('instance_group_member')
      .where('instance_uuid', 'in', [...instanceUuids])
      .execute();
  }

  /** The uuids of the live groups each instance belongs to (the 2.71 `server_groups` of a server). */
  async groupsOf(instanceUuids: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (instanceUuids.length === 0) return out;
    const rows = await this.db.kysely
      .selectFrom('instance_group_member as m')
      .innerJoin('instance_groups as g', 'g.id', 'm.group_id')
      .select(['m.instance_uuid', 'g.uuid'])
      .where('m.instance_uuid', 'in', [...instanceUuids])
      .where('g.deleted', '=', 0)
      .orderBy('m.id')
      .execute();
    for (const r of rows) out.set(r.instance_uuid, [...(out.get(r.instance_uuid) ?? []), r.uuid]);
    return out;
  }

  /**
   * The group as a RequestSpec carries it: policy, rules, live members, and
   * the hosts of the members other than `scheduling` (the instances about to
   * be placed, whose current host does not count). Null when the group is gone.
   */
  async forRequestSpec(groupUuid: string, scheduling: readonly string[] = []): Promise<InstanceGroupSpec | null> {
    const group = await this.get(groupUuid).catch((e: unknown) => {
      if (e instanceof InstanceGroupNotFound) return null;
      throw e;
    });
    if (!group) return null;
    const skip = new Set(scheduling);
    const others = group.members.filter((u) => !skip.has(u));
    const hosts =
      others.length === 0
        ? []
        : await this.db.kysely.selectFrom('instances').select('host').distinct().where('uuid', 'in', others).where('deleted', '=', 0).where('host', 'is not', null).execute();
    return {
      uuid: group.uuid,
      policy: group.policy,
      members: group.members,
      hosts: hosts.map((h) => h.host).filter((h): h is string => typeof h === 'string'),
      rules: group.rules,
    };
  }
}
