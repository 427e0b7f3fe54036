import type { RequestSpec } from '../../objects/request-spec.ts';
import { freeVcpus, type HostState } from '../host-state.ts';
import type { HostWeigher } from './weigher.ts';

/**
 * CPUWeigher: weighs hosts by their free vCPUs (after cpu_allocation_ratio).
 * A positive cpu_weight_multiplier spreads instances across hosts, a
 * negative one stacks them.
 */
export class CPUWeigher implements HostWeigher {
  readonly name = 'CPUWeigher';

  constructor(private readonly cpuWeightMultiplier: number) {}

  multiplier(_host: HostState): number {
    return this.cpuWeightMultiplier;
  }

  weigh(host: HostState, _spec: RequestSpec): number {
    return freeVcpus(host);
  }
}
