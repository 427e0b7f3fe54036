import type { RequestSpec } from '../../objects/request-spec.ts';
import { freeDiskGb, type HostState } from '../host-state.ts';
import type { HostWeigher } from './weigher.ts';

/**
 * DiskWeigher: weighs hosts by their free disk (after disk_allocation_ratio).
 * A positive disk_weight_multiplier spreads instances across hosts, a
 * negative one stacks them.
 */
export class DiskWeigher implements HostWeigher {
  readonly name = 'DiskWeigher';

  constructor(private readonly diskWeightMultiplier: number) {}

  multiplier(_host: HostState): number {
    return this.diskWeightMultiplier;
  }

  weigh(host: HostState, _spec: RequestSpec): number {
    return freeDiskGb(host);
  }
}
