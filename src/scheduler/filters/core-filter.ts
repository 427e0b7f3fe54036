import type { RequestSpec } from '../../objects/request-spec.ts';
import { freeVcpus, type HostState } from '../host-state.ts';
import type { HostFilter } from './filter.ts';

/**
 * CoreFilter: only schedules instances on hosts with sufficient CPU cores.
 * Free vCPUs are (total - reserved) * cpu_allocation_ratio - used, so a
 * ratio above 1 allows overcommit; as in Nova, an instance may overcommit
 * against other instances but never against itself (its vcpus must not
 * exceed the host's total).
 */
export class CoreFilter implements HostFilter {
  readonly name = 'CoreFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const requested = spec.flavor.vcpus;
    if (requested > host.vcpus) return false;
    return freeVcpus(host) >= requested;
  }
}
