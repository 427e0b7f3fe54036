import type { FlavorSnapshot } from '../../objects/instance.ts';
import type { RequestSpec } from '../../objects/request-spec.ts';
import { freeDiskGb, type HostState } from '../host-state.ts';
import type { HostFilter } from './filter.ts';

/** GB of local disk a flavor needs: root + ephemeral + swap (MiB) rounded up to whole GB. */
export function requestedDiskGb(flavor: FlavorSnapshot): number {
  return flavor.root_gb + flavor.ephemeral_gb + Math.ceil(flavor.swap / 1024);
}

/**
 * DiskFilter: only schedules instances on hosts with sufficient disk space
 * for root, ephemeral and swap. Free disk is (total - reserved) *
 * disk_allocation_ratio - used, so a ratio above 1 allows overcommit; as in
 * Nova, an instance may overcommit against other instances but never
 * against itself (its disk must fit in the host's total).
 */
export class DiskFilter implements HostFilter {
  readonly name = 'DiskFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const requested = requestedDiskGb(spec.flavor);
    if (requested > host.localGb) return false;
    return freeDiskGb(host) >= requested;
  }
}
