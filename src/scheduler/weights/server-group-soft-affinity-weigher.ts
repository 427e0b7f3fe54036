import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import { groupMembersOn } from '../server-group.ts';
import type { HostWeigher } from './weigher.ts';

/**
 * ServerGroupSoftAffinityWeigher: for a request into a `soft-affinity`
 * group, prefers the hosts holding more of the group's members (weight =
 * members on the host); 0 for every host otherwise. Its multiplier is
 * soft_affinity_weight_multiplier.
 */
export class ServerGroupSoftAffinityWeigher implements HostWeigher {
  readonly name = 'ServerGroupSoftAffinityWeigher';

  constructor(private readonly softAffinityWeightMultiplier: number) {}

  multiplier(_host: HostState): number {
    return this.softAffinityWeightMultiplier;
  }

  weigh(host: HostState, spec: RequestSpec): number {
    const group = spec.instance_group;
    if (group?.policy !== 'soft-affinity') return 0;
    return groupMembersOn(host, group);
  }

  appliesTo(spec: RequestSpec): boolean {
    return spec.instance_group?.policy === 'soft-affinity';
  }
}
