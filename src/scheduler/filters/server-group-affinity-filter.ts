import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import type { HostFilter } from './filter.ts';

/**
 * ServerGroupAffinityFilter: for a request into an `affinity` group, only
 * the hosts the group already uses pass (any host while the group has none
 * yet). Other requests pass everywhere.
 */
export class ServerGroupAffinityFilter implements HostFilter {
  readonly name = 'ServerGroupAffinityFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const group = spec.instance_group;
    if (group?.policy !== 'affinity') return true;
    return group.hosts.length === 0 || group.hosts.includes(host.host);
  }

  prepare(spec: RequestSpec): ((host: HostState) => boolean) | null {
    const group = spec.instance_group;
    if (group?.policy !== 'affinity' || group.hosts.length === 0) return null;
    const hosts = new Set(group.hosts);
    return (host) => hosts.has(host.host);
  }
}
