/**
 * The server group of a request as the scheduler keeps it current: which
 * hosts already hold members, counted from the host states (so the claims
 * made earlier in the same request or batch count), and the bookkeeping
 * after each placement (Nova's _consume_selected_host appending to
 * instance_group.hosts).
 */
import type { DbApi } from '../db/api/index.ts';
import type { InstanceGroupSpec, RequestSpec } from '../objects/request-spec.ts';
import type { HostState } from './host-state.ts';

/**
 * How many members of the group run on the host: the members among the
 * host's instances, and at least one when the group lists the host.
 */
export function groupMembersOn(host: HostState, group: InstanceGroupSpec): number {
  let n = 0;
  for (const uuid of group.members) if (host.instanceUuids.has(uuid)) n++;
  return n === 0 && group.hosts.includes(host.host) ? 1 : n;
}

/** Add to the group's hosts every host that holds one of its members now (call before placing each instance). */
export function syncGroupHosts(spec: RequestSpec, hosts: readonly HostState[]): void {
  const group = spec.instance_group;
  if (!group) return;
  const known = new Set(group.hosts);
  for (const h of hosts) {
    if (known.has(h.host)) continue;
    if (group.members.some((uuid) => h.instanceUuids.has(uuid))) {
      known.add(h.host);
      group.hosts.push(h.host);
    }
  }
}

/** After an instance of the request was placed on `host`: it is a member there. */
export function recordPlacement(spec: RequestSpec, uuid: string, host: string): void {
  const group = spec.instance_group;
  if (!group) return;
  if (!group.hosts.includes(host)) group.hosts.push(host);
  if (!group.members.includes(uuid)) group.members.push(uuid);
}

/**
 * Read the members of the batch's groups again (requests of the same group
 * created concurrently may each know only part of them); members only
 * grow here, a group deleted meanwhile keeps what its request carried.
 */
export async function refreshGroupMembers(db: DbApi, specs: readonly RequestSpec[]): Promise<void> {
  const byGroup = new Map<string, InstanceGroupSpec[]>();
  for (const s of specs) if (s.instance_group) byGroup.set(s.instance_group.uuid, [...(byGroup.get(s.instance_group.uuid) ?? []), s.instance_group]);
  for (const [uuid, groups] of byGroup) {
    const fresh = await db.serverGroups.forRequestSpec(uuid);
    for (const g of groups) {
      const members = new Set([...g.members, ...(fresh?.members ?? [])]);
      g.members = [...members];
    }
  }
}
