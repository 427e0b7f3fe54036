import type { RequestSpec } from '../../objects/request-spec.ts';
import { freeRamMb, type HostState } from '../host-state.ts';
import type { HostFilter } from './filter.ts';

/**
 * RamFilter: only schedules instances on hosts with sufficient RAM. Free
 * RAM is (total - reserved) * ram_allocation_ratio - used, so a ratio
 * above 1 allows overcommit; as in Nova, an instance may overcommit
 * against other instances but never against itself (its memory_mb must
 * fit in the host's total).
 */
export class RamFilter implements HostFilter {
  readonly name = 'RamFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const requested = spec.flavor.memory_mb;
    if (requested > host.memoryMb) return false;
    return freeRamMb(host) >= requested;
  }
}
