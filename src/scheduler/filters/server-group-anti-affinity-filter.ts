import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import { groupMembersOn } from '../server-group.ts';
import type { HostFilter } from './filter.ts';

/**
 * ServerGroupAntiAffinityFilter: for a request into an `anti-affinity`
 * group, a host passes while it holds fewer of the group's members than the
 * group's rule `max_server_per_host` (1 without the rule), i.e. by default
 * only hosts the group does not use yet. Other requests pass everywhere.
 */
export class ServerGroupAntiAffinityFilter implements HostFilter {
  readonly name = 'ServerGroupAntiAffinityFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const group = spec.instance_group;
    if (group?.policy !== 'anti-affinity') return true;
    const max = group.rules.max_server_per_host ?? 1;
    return groupMembersOn(host, group) < max;
  }

  prepare(spec: RequestSpec): ((host: HostState) => boolean) | null {
    return spec.instance_group?.policy === 'anti-affinity' ? (host) => this.hostPasses(host, spec) : null;
  }
}
