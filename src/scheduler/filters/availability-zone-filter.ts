import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import type { HostFilter } from './filter.ts';

/**
 * AvailabilityZoneFilter: filters hosts by availability zone. A request
 * that names no zone passes every host; otherwise only hosts in the
 * requested zone pass.
 */
export class AvailabilityZoneFilter implements HostFilter {
  readonly name = 'AvailabilityZoneFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, spec: RequestSpec): boolean {
    const zone = spec.availability_zone;
    return zone === null || host.availabilityZone === zone;
  }

  prepare(spec: RequestSpec): ((host: HostState) => boolean) | null {
    const zone = spec.availability_zone;
    return zone === null ? null : (host) => host.availabilityZone === zone;
  }
}
