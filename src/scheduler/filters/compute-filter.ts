import type { RequestSpec } from '../../objects/request-spec.ts';
import type { HostState } from '../host-state.ts';
import type { HostFilter } from './filter.ts';

/**
 * ComputeFilter: passes all hosts that are operational and enabled — the
 * nova-compute service is not disabled, not forced down and is up
 * (heartbeat within service_down_time).
 */
export class ComputeFilter implements HostFilter {
  readonly name = 'ComputeFilter';
  readonly runOnRebuild = false;

  hostPasses(host: HostState, _spec: RequestSpec): boolean {
    const { disabled, forcedDown, up } = host.service;
    return !disabled && !forcedDown && up;
  }
}
