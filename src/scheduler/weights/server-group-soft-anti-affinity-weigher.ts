import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import { groupMembersOn } from '../server-group.ts';
import type { HostWeigher } from './weigher.ts';

/**
 * ServerGroupSoftAntiAffinityWeigher: for a request into a
 * `soft-anti-affinity` group, prefers the hosts holding fewer of the
 * group's members (weight = minus the members on the host); 0 for every host
 * otherwise. Its multiplier is soft_anti_affinity_weight_multiplier.
 */
export class ServerGroupSoftAntiAffinityWeigher implements HostWeigher {
  readonly name = 'ServerGroupSoftAntiAffinityWeigher';

  constructor(private readonly softAntiAffinityWeightMultiplier: number) {}

  multiplier(_host: HostState): number {
    return this.softAntiAffinityWeightMultiplier;
  }

  weigh(host: HostState, spec: RequestSpec): number {
    const group = spec.instance_group;
    if (group?.policy !== 'soft-anti-affinity') return 0;
    return 0 - groupMembersOn(host, group);
  }

  appliesTo(spec: RequestSpec): boolean {
    return spec.instance_group?.policy === 'soft-anti-affinity';
  }
}
