import type { RequestSpec } from '../../objects/request-spec.ts';
import { freeRamMb, type HostState } from '../host-state.ts';
import type { HostWeigher } from './weigher.ts';

/**
 * RAMWeigher: weighs hosts by their free RAM (after ram_allocation_ratio).
 * A positive ram_weight_multiplier spreads instances across hosts, a
 * negative one stacks them.
 */
export class RAMWeigher implements HostWeigher {
  readonly name = 'RAMWeigher';

  constructor(private readonly ramWeightMultiplier: number) {}

  multiplier(_host: HostState): number {
    return this.ramWeightMultiplier;
  }

  weigh(host: HostState, _spec: RequestSpec): number {
    return freeRamMb(host);
  }
}
